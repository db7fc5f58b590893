import { json, type ActionFunctionArgs } from '@remix-run/node'
import { z } from 'zod'
import { createBulkOperation, searchParamsToSelectionQuery } from '#app/models/bulk-operation.server.ts'
import { requirePermission } from '#app/utils/auth.server.ts'
import { getRequestMeta } from '#app/utils/http.server.ts'
import { redirectWithToast } from '#app/utils/toast.server.ts'

/**
 * POST /orders/bulk — starts a bulk action or export from the orders list's bulk bar
 * (app/components/orders/bulk-bar.tsx) and sends the person to its progress page. Only validates, records and
 * enqueues (app/models/bulk-operation.server.ts): never does the work inside the request. No page of its own: the
 * progress pages are its children (orders.bulk.$id), rendered through the implicit outlet.
 */

const splitTags = (value: string | undefined) =>
  (value ?? '')
    .split(',')
    .map((tag) => tag.trim())
    .filter(Boolean)

const BulkFormSchema = z.object({
  kind: z.string().max(20),
  scope: z.enum(['ids', 'query']),
  ids: z.array(z.string().max(64)).max(10_000).default([]),
  query: z.string().max(4000).default(''),
  tagsAdd: z.string().max(2000).optional(),
  tagsRemove: z.string().max(2000).optional(),
  assigneeId: z.string().max(64).optional(),
  reason: z.string().max(1000).optional(),
})

export type BulkActionData = { formError: string; fieldErrors?: Record<string, string> }

function paramsFor(form: z.infer<typeof BulkFormSchema>) {
  switch (form.kind) {
    case 'tag':
      return { add: splitTags(form.tagsAdd), remove: splitTags(form.tagsRemove) }
    case 'assign':
      return { assigneeId: form.assigneeId ? form.assigneeId : null }
    case 'cancel':
      return { reason: form.reason ?? '' }
    default:
      return {}
  }
}

export async function action({ request, context }: ActionFunctionArgs) {
  // The lesser permission: exports need only read:order; the model refuses actions without update:order (403).
  const user = await requirePermission(request, 'read:order')
  const formData = await request.formData()
  const parsed = BulkFormSchema.safeParse({ ...Object.fromEntries(formData), ids: formData.getAll('ids') })
  if (!parsed.success) return json<BulkActionData>({ formError: 'That request was not understood. Reload the page and try again.' }, { status: 400 })
  const form = parsed.data
  const meta = getRequestMeta(request, context)
  const selection = form.scope === 'ids' ? { ids: form.ids } : { query: searchParamsToSelectionQuery(new URLSearchParams(form.query)) }
  const result = await createBulkOperation({
    kind: form.kind,
    selection,
    params: paramsFor(form),
    actor: { id: user.id, role: user.role },
    requestId: meta.requestId,
    ip: meta.ip,
  })
  if (!result.ok) {
    // Field errors use the form's names (tag params arrive as lists).
    const fieldErrors = result.fieldErrors
      ? Object.fromEntries(Object.entries(result.fieldErrors).map(([key, message]) => [key.startsWith('add') ? 'tagsAdd' : key.startsWith('remove') ? 'tagsRemove' : key, message]))
      : undefined
    return json<BulkActionData>({ formError: result.message, fieldErrors }, { status: result.status })
  }
  const { operation } = result
  const count = operation.total.toLocaleString('en-GB')
  return redirectWithToast(`/orders/bulk/${operation.id}`, {
    type: 'info',
    title: operation.kind === 'export' ? `Export of ${count} orders queued` : `Bulk ${operation.kind} of ${count} orders queued`,
    description: 'It runs in the background; this page follows its progress.',
  })
}
