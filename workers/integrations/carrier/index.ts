import { defineConnector } from '../shared/connector.ts'
import { probeCarrier } from './client.ts'
import { createShipmentEffect, returnLabelEffect } from './effects.ts'
import { onTrackingUpdated, shipmentsResource } from './sync-shipments.ts'

/** The parcel carrier: tracking in, labels (outbound and return) out. See README.md. */
export const carrierConnector = defineConnector({
  key: 'carrier',
  probe: probeCarrier,
  resources: { shipments: shipmentsResource },
  webhookTopics: { 'tracking.updated': onTrackingUpdated },
  effects: { 'carrier.create-shipment': createShipmentEffect, 'carrier.return-label': returnLabelEffect },
})
