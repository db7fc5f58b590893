import { defineConnector } from '../shared/connector.ts'
import { probeCarrier } from './client.ts'
import { createShipmentEffect, returnLabelEffect } from './effects.ts'
import { onReturnLabelUpdated, returnLabelsResource } from './sync-return-labels.ts'
import { onTrackingUpdated, shipmentsResource } from './sync-shipments.ts'

/** The parcel carrier: tracking in, labels (outbound and return) out. See README.md. */
export const carrierConnector = defineConnector({
  key: 'carrier',
  probe: probeCarrier,
  resources: { shipments: shipmentsResource, return_labels: returnLabelsResource },
  webhookTopics: { 'tracking.updated': onTrackingUpdated, 'return_label.updated': onReturnLabelUpdated },
  effects: { 'carrier.create-shipment': createShipmentEffect, 'carrier.return-label': returnLabelEffect },
})
