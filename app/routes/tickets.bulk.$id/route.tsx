import { json, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { BULK_AREA_VIEW } from '#app/components/bulk/bulk-labels.tsx'
import { BulkOperationHeader, BulkResults } from '#app/components/bulk/bulk-operation-view.tsx'
import { BulkProgressPanel, useBulkProgress } from '#app/components/bulk/bulk-progress.tsx'
import { GeneralErrorBoundary } from '#app/components/error-boundary.tsx'
import { bulkStylesHref } from '#app/components/orders/bulk-styles.ts'
import { BULK_OUTCOMES, cancelBulkOperation, getBulkOperation, listBulkItems } from '#app/models/bulk-operation.server.ts'
import { ticketNumbers } from '#app/models/ticket-bulk.server.ts'
import { requirePermission } from '#app/utils/auth.server.ts'
import { getRequestMeta, invariantResponse } from '#app/utils/http.server.ts'
import { redirectWithToast } from '#app/utils/toast.server.ts'

/**
 * One bulk action on tickets (app/models/ticket-bulk.server.ts): live progress (the shared progress panel and its
 * `bulk.progress` socket signal), the per-ticket results filterable by outcome, Stop while it runs (the page's parts
 * are app/components/bulk/, shared with the orders' operation page). Visible to the
 * person who started it and to admins (404 for anyone else, as for an unknown id).
 */

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: bulkStylesHref }]

const QuerySchema = z.object({
  outcome: z.enum(BULK_OUTCOMES).optional().catch(undefined),
  after: z.string().regex(/^\d+$/).max(20).optional().catch(undefined),
})

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requirePermission(request, 'read:ticket')
  const operation = await getBulkOperation(params.id ?? '', { id: user.id, role: user.role }, 'tickets')
  invariantResponse(operation, 'There is no such bulk operation, or it was started by someone else.', { status: 404 })
  const query = QuerySchema.parse(Object.fromEntries(new URL(request.url).searchParams))
  const items = await listBulkItems({ operationId: operation.id, outcome: query.outcome, after: query.after, take: 50 })
  const numbers = await ticketNumbers(items.rows.map((row) => row.entityId))
  return json({
    operation: {
      id: operation.id,
      kind: operation.kind,
      actorName: operation.actor?.name ?? 'someone',
      params: operation.params,
      selection: operation.selection,
    },
    progress: operation.progress,
    items: { rows: items.rows.map((row) => ({ ...row, number: numbers.get(row.entityId) ?? null })), nextCursor: items.nextCursor },
    outcome: query.outcome ?? null,
  })
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const user = await requirePermission(request, 'update:ticket')
  const form = Object.fromEntries(await request.formData())
  invariantResponse(form.intent === 'cancel', 'That request was not understood.', { status: 400 })
  const meta = getRequestMeta(request, context)
  const result = await cancelBulkOperation(params.id ?? '', { id: user.id, role: user.role }, { requestId: meta.requestId, ip: meta.ip })
  invariantResponse(result.ok || result.status !== 404, 'There is no such bulk operation.', { status: 404 })
  if (!result.ok) return redirectWithToast(`/tickets/bulk/${params.id}`, { type: 'info', title: result.message })
  return redirectWithToast(`/tickets/bulk/${params.id}`, { title: 'Bulk action stopped', description: 'Tickets already done stay done.' })
}

export default function TicketBulkPage() {
  const data = useLoaderData<typeof loader>()
  const { operation, items, outcome } = data
  const progress = useBulkProgress(data.progress)

  return (
    <div className="page" data-testid="bulk-page">
      <BulkOperationHeader area="tickets" operation={operation} progress={progress} />
      <BulkProgressPanel progress={progress} kind={operation.kind} unit="tickets processed" />
      <BulkResults area="tickets" progress={progress} items={items} outcome={outcome} />
    </div>
  )
}

const KIND_LABEL: Record<string, string> = BULK_AREA_VIEW.tickets.kindLabel

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data ? (KIND_LABEL[data.operation.kind] ?? 'Bulk action') : 'Bulk action'} · Tickets · OpsDeck` }]

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
