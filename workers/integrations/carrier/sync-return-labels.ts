import { applyReturnTracking } from '#app/models/return.server.ts'
import { prisma } from '#app/utils/db.server.ts'
import { defineResource, type JobContext, type PullPage, type WebhookHandler } from '../shared/connector.ts'
import { RETURN_LABELS_LIST_PATH } from './client.ts'
import { ReturnLabelSchema, type ReturnLabel } from './schemas.ts'

/**
 * Return parcels coming back (the carrier's `/return-labels`, webhook `return_label.updated`): when the carrier has
 * the parcel, the return moves to in transit (app/models/return.server.ts applyReturnTracking). One transaction per
 * page, in reference order so concurrent pages lock the same rows in the same order.
 */
export async function applyReturnLabels(labels: ReturnLabel[], ctx: JobContext): Promise<PullPage> {
  const sorted = [...labels].sort((a, b) => a.reference.localeCompare(b.reference) || a.updated_at.localeCompare(b.updated_at))
  const outcomes = await prisma.$transaction(async (tx) => {
    const out: Array<{ label: ReturnLabel; outcome: 'updated' | 'unchanged' | 'skipped' }> = []
    for (const label of sorted) {
      out.push({ label, outcome: await applyReturnTracking(tx, { returnId: label.reference, trackingNumber: label.tracking_number, status: label.status, at: new Date(label.updated_at) }) })
    }
    return out
  })
  const page: PullPage = { seen: labels.length, created: 0, updated: 0, skipped: 0 }
  for (const { label, outcome } of outcomes) {
    if (outcome === 'updated') {
      page.updated++
      ctx.link('return', label.reference)
    } else page.skipped++
  }
  ctx.summarize(`${labels.length} return parcel(s): ${page.updated} now in transit, ${page.skipped} unchanged or not ours`)
  return page
}

export const returnLabelsResource = defineResource({
  listPath: RETURN_LABELS_LIST_PATH,
  itemSchema: ReturnLabelSchema,
  applyPage: applyReturnLabels,
})

/** return_label.updated: the data is the whole label, applied like a pulled one. */
export const onReturnLabelUpdated: WebhookHandler = async (data, _event, ctx) => {
  const page = await applyReturnLabels([ReturnLabelSchema.parse(data)], ctx)
  return page.updated > 0 ? 'processed' : 'ignored'
}
