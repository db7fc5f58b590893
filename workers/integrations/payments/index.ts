import { defineConnector } from '../shared/connector.ts'
import { probePayments } from './client.ts'
import { capture, refund, voidAuthorization } from './effects.ts'
import { onPaymentEvent, paymentsResource } from './sync-payments.ts'

/** The payment gateway: payments and refunds in; captures, refunds and voids out. See README.md. */
export const paymentsConnector = defineConnector({
  key: 'payments',
  probe: probePayments,
  resources: { payments: paymentsResource },
  webhookTopics: {
    'payment.authorized': onPaymentEvent,
    'payment.captured': onPaymentEvent,
    'payment.refunded': onPaymentEvent,
    'payment.failed': onPaymentEvent,
  },
  effects: { 'payments.capture': capture, 'payments.refund': refund, 'payments.void': voidAuthorization },
})
