import type { IntegrationKey } from '#app/generated/prisma/enums.ts'
import { carrierConnector } from './carrier/index.ts'
import { helpdeskConnector } from './helpdesk/index.ts'
import { paymentsConnector } from './payments/index.ts'
import type { Connector } from './shared/connector.ts'
import { storefrontConnector } from './storefront/index.ts'
import { warehouseConnector } from './warehouse/index.ts'

/**
 * The registry of connectors the worker runs: one per external system (workers/integrations/<system>/index.ts).
 * workers/index.ts starts one BullMQ worker per entry and schedules its pulls and reconciliations.
 */
export const CONNECTORS: ReadonlyMap<IntegrationKey, Connector> = new Map(
  [storefrontConnector, paymentsConnector, carrierConnector, warehouseConnector, helpdeskConnector].map((connector) => [connector.key, connector]),
)
