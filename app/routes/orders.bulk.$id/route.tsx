import { json, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { BULK_KIND_LABEL, formatBytes } from '#app/components/bulk/bulk-labels.tsx'
import { BulkOperationHeader, BulkResults } from '#app/components/bulk/bulk-operation-view.tsx'
import { BulkProgressPanel, useBulkProgress } from '#app/components/bulk/bulk-progress.tsx'
import { bulkStylesHref } from '#app/components/orders/bulk-styles.ts'
import { GeneralErrorBoundary } from '#app/components/error-boundary.tsx'
import { BULK_OUTCOMES, cancelBulkOperation, getBulkOperation, listBulkItems } from '#app/models/bulk-operation.server.ts'
import { requirePermission } from '#app/utils/auth.server.ts'
import { getRequestMeta, invariantResponse } from '#app/utils/http.server.ts'
import { redirectWithToast } from '#app/utils/toast.server.ts'

/**
 * One bulk operation: live progress (socket `bulk.progress`, polling while offline), counters, the per-row results
 * filterable by outcome (`?outcome=`, keyset `?after=`), the download once an export is done, and Cancel while it
 * runs. Visible to the person who started it and to admins (404 for anyone else, as for an unknown id).
 */

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: bulkStylesHref }]

const QuerySchema = z.object({
  outcome: z.enum(BULK_OUTCOMES).optional().catch(undefined),
  after: z.string().regex(/^\d+$/).max(20).optional().catch(undefined),
})

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requirePermission(request, 'read:order')
  const operation = await getBulkOperation(params.id ?? '', { id: user.id, role: user.role }, 'orders')
  invariantResponse(operation, 'There is no such bulk operation, or it was started by someone else.', { status: 404 })
  const query = QuerySchema.parse(Object.fromEntries(new URL(request.url).searchParams))
  const items = operation.kind === 'export' ? { rows: [], nextCursor: null } : await listBulkItems({ operationId: operation.id, outcome: query.outcome, after: query.after, take: 50 })
  return json({
    operation: {
      id: operation.id,
      kind: operation.kind,
      status: operation.status,
      actorName: operation.actor?.name ?? 'someone',
      params: operation.params,
      selection: operation.selection,
      createdAt: operation.createdAt.toISOString(),
      startedAt: operation.startedAt?.toISOString() ?? null,
      finishedAt: operation.finishedAt?.toISOString() ?? null,
    },
    progress: operation.progress,
    items,
    outcome: query.outcome ?? null,
  })
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const user = await requirePermission(request, 'read:order')
  const form = Object.fromEntries(await request.formData())
  invariantResponse(form.intent === 'cancel', 'That request was not understood.', { status: 400 })
  const meta = getRequestMeta(request, context)
  const result = await cancelBulkOperation(params.id ?? '', { id: user.id, role: user.role }, { requestId: meta.requestId, ip: meta.ip })
  invariantResponse(result.ok || result.status !== 404, 'There is no such bulk operation.', { status: 404 })
  if (!result.ok) return redirectWithToast(`/orders/bulk/${params.id}`, { type: 'info', title: result.message })
  return redirectWithToast(`/orders/bulk/${params.id}`, { title: 'Bulk operation cancelled', description: 'Rows already done stay done.' })
}

export default function BulkOperationPage() {
  const data = useLoaderData<typeof loader>()
  const { operation, items, outcome } = data
  const progress = useBulkProgress(data.progress)

  return (
    <div className="page" data-testid="bulk-page">
      <BulkOperationHeader area="orders" operation={operation} progress={progress} />

      <BulkProgressPanel progress={progress} kind={operation.kind} />

      {operation.kind === 'export' ? (
        progress.downloadable ? (
          <section className="panel" aria-labelledby="download-title">
            <h2 id="download-title" className="panel-title">
              Your file is ready
            </h2>
            <p>
              <a className="button button-primary" href={`/orders/exports/${operation.id}/download`} download data-testid="export-download">
                Download CSV{progress.fileBytes !== null ? ` (${formatBytes(progress.fileBytes)})` : ''}
              </a>
            </p>
          </section>
        ) : progress.status === 'completed' ? (
          <p className="alert alert-info" data-testid="export-expired">
            This export's file was deleted (files are kept for 7 days). Export the view again for a fresh one.
          </p>
        ) : null
      ) : (
        <BulkResults area="orders" progress={progress} items={items} outcome={outcome} />
      )}
    </div>
  )
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: `${data ? (BULK_KIND_LABEL[data.operation.kind] ?? 'Bulk operation') : 'Bulk operation'} · Orders · OpsDeck` },
]

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
