import { defineConnector, defineResource } from '../shared/connector.ts'
import { probeStorefront } from './client.ts'
import { StorefrontOrderSchema } from './schemas.ts'
import { applyOrdersPage, handleOrderEvent, importStorefrontOrder } from './sync-orders.ts'

/** The storefront: orders in (pull, reconcile, webhooks, single import). No outbound effects. See README.md. */
export const storefrontConnector = defineConnector({
  key: 'storefront',
  probe: probeStorefront,
  resources: {
    orders: defineResource({ listPath: '/orders', itemSchema: StorefrontOrderSchema, applyPage: applyOrdersPage }),
  },
  webhookTopics: {
    'order.created': handleOrderEvent,
    'order.updated': handleOrderEvent,
  },
  effects: {},
  extraJobs: {
    'import-order': importStorefrontOrder,
  },
})
