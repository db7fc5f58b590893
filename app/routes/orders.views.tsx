import { json, type ActionFunctionArgs, type LoaderFunctionArgs } from '@remix-run/node'
import { z } from 'zod'
import { createSavedView, deleteSavedView, listSavedViews, setDefaultView, updateSavedView, type SavedViewSummary } from '#app/models/saved-view.server.ts'
import { requirePermission } from '#app/utils/auth.server.ts'
import { getRequestMeta } from '#app/utils/http.server.ts'
import { ROLES } from '#app/utils/permissions.ts'

/**
 * /orders/views — saved views of the orders list, for the list's views menu (app/components/orders/saved-views-menu.tsx):
 * GET lists the person's own views and those shared with their role; POST creates, updates (rename, share), deletes
 * and sets the default (`intent`). Ownership rules live in app/models/saved-view.server.ts (owner only; 403/404).
 */

const role = z.union([z.enum(ROLES), z.literal('').transform(() => null)])
const ActionSchema = z.discriminatedUnion('intent', [
  z.object({ intent: z.literal('create'), name: z.string().max(200), search: z.string().max(4000).default(''), sharedWithRole: role.default(''), isDefault: z.enum(['on', 'true']).optional() }),
  z.object({ intent: z.literal('rename'), id: z.string().min(1).max(64), name: z.string().max(200) }),
  z.object({ intent: z.literal('share'), id: z.string().min(1).max(64), sharedWithRole: role }),
  z.object({ intent: z.literal('delete'), id: z.string().min(1).max(64) }),
  z.object({ intent: z.literal('default'), id: z.string().max(64).default('') }),
])

export type ViewsActionData = { ok: true; view?: SavedViewSummary | { id: string | null } } | { ok: false; formError: string; fieldErrors?: Record<string, string> }

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requirePermission(request, 'read:order')
  return json({ views: await listSavedViews({ id: user.id, role: user.role }, 'orders') })
}

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requirePermission(request, 'read:order')
  const parsed = ActionSchema.safeParse(Object.fromEntries(await request.formData()))
  if (!parsed.success) return json<ViewsActionData>({ ok: false, formError: 'That request was not understood. Reload the page and try again.' }, { status: 400 })
  const viewer = { id: user.id, role: user.role }
  const meta = { requestId: getRequestMeta(request, context).requestId }
  const input = parsed.data
  const result =
    input.intent === 'create'
      ? await createSavedView(viewer, 'orders', { name: input.name, search: input.search, sharedWithRole: input.sharedWithRole, isDefault: input.isDefault !== undefined }, meta)
      : input.intent === 'rename'
        ? await updateSavedView(viewer, input.id, { name: input.name }, meta)
        : input.intent === 'share'
          ? await updateSavedView(viewer, input.id, { sharedWithRole: input.sharedWithRole }, meta)
          : input.intent === 'delete'
            ? await deleteSavedView(viewer, input.id, meta)
            : await setDefaultView(viewer, 'orders', input.id || null, meta)
  if (!result.ok) return json<ViewsActionData>({ ok: false, formError: result.message, fieldErrors: result.fieldErrors }, { status: result.status })
  return json<ViewsActionData>({ ok: true, view: result.view })
}
