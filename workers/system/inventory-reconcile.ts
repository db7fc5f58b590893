import { reconcileInventory } from '#app/models/inventory-reconcile.server.ts'
import type { Logger } from '#app/utils/logger.server.ts'

/**
 * The scheduled stock reconciliation (system queue, every INVENTORY_RECONCILE_EVERY_MS): recomputes reserved from
 * open reservations, repairs drift and records the run (app/models/inventory-reconcile.server.ts). Idempotent: a run
 * over consistent stock changes nothing; two overlapping runs each lock a level before repairing it.
 */
export async function runInventoryReconcile(log: Logger) {
  const run = await reconcileInventory()
  const summary = { run: run.id, levels: run.levelsChecked, drifted: run.drifted, repaired: run.repaired, ledgerDrifted: run.ledgerDrifted }
  if (run.drifted || run.ledgerDrifted) log.warn(summary, `inventory reconciliation: ${run.drifted} drifted, ${run.repaired} repaired, ${run.ledgerDrifted} off their ledger`)
  else log.debug(summary, 'inventory reconciliation: no drift')
  return summary
}
