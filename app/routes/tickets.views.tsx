import { json, type ActionFunctionArgs, type LoaderFunctionArgs } from '@remix-run/node'
import { z } from 'zod'
import { createSavedView, deleteSavedView, listSavedViews, setDefaultView, updateSavedView } from '#app/models/saved-view.server.ts'
import type { ViewsActionData } from '#app/routes/orders.views.tsx'
import { requirePermission } from '#app/utils/auth.server.ts'
import { getRequestMeta } from '#app/utils/http.server.ts'
import { ROLES } from '#app/utils/permissions.ts'

/**
 * /tickets/views — saved views of the tickets list (area `tickets` of the shared saved-view model), for the saved
 * views menu the list mounts (app/components/orders/saved-views-menu.tsx talks to `/<area>/views`). Same intents as
 * /orders/views; owner-only changes and 403/404 are the model's.
 */

const role = z.union([z.enum(ROLES), z.literal('').transform(() => null)])
const id = z.string().min(1).max(64)
const TicketViewsActionSchema = z.discriminatedUnion('intent', [
  z.object({ intent: z.literal('create'), name: z.string().max(200), search: z.string().max(4000).default(''), sharedWithRole: role.default(''), isDefault: z.enum(['on', 'true']).optional() }),
  z.object({ intent: z.literal('rename'), id, name: z.string().max(200) }),
  z.object({ intent: z.literal('share'), id, sharedWithRole: role }),
  z.object({ intent: z.literal('delete'), id }),
  z.object({ intent: z.literal('default'), id: z.string().max(64).default('') }),
])

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requirePermission(request, 'read:ticket')
  return json({ views: await listSavedViews({ id: user.id, role: user.role }, 'tickets') })
}

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requirePermission(request, 'read:ticket')
  const parsed = TicketViewsActionSchema.safeParse(Object.fromEntries(await request.formData()))
  if (!parsed.success) return json<ViewsActionData>({ ok: false, formError: 'That request was not understood. Reload the page and try again.' }, { status: 400 })
  const viewer = { id: user.id, role: user.role }
  const meta = { requestId: getRequestMeta(request, context).requestId }
  const input = parsed.data
  const result = await (() => {
    switch (input.intent) {
      case 'create':
        return createSavedView(viewer, 'tickets', { name: input.name, search: input.search, sharedWithRole: input.sharedWithRole, isDefault: input.isDefault !== undefined }, meta)
      case 'rename':
        return updateSavedView(viewer, input.id, { name: input.name }, meta)
      case 'share':
        return updateSavedView(viewer, input.id, { sharedWithRole: input.sharedWithRole }, meta)
      case 'delete':
        return deleteSavedView(viewer, input.id, meta)
      case 'default':
        return setDefaultView(viewer, 'tickets', input.id || null, meta)
    }
  })()
  if (!result.ok) return json<ViewsActionData>({ ok: false, formError: result.message, fieldErrors: result.fieldErrors }, { status: result.status })
  return json<ViewsActionData>({ ok: true, view: result.view })
}
