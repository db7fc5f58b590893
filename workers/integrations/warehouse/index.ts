import { defineConnector } from '../shared/connector.ts'
import { probeWarehouse } from './client.ts'
import { adjust } from './effects.ts'
import { onStockUpdated, stockResource } from './sync-stock.ts'

/** The warehouse system: on-hand figures in, OpsDeck's stock changes out. See README.md. */
export const warehouseConnector = defineConnector({
  key: 'warehouse',
  probe: probeWarehouse,
  resources: { stock: stockResource },
  webhookTopics: { 'stock.updated': onStockUpdated },
  effects: { 'warehouse.adjust': adjust },
})
