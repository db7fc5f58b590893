import { json, type LoaderFunctionArgs } from '@remix-run/node'
import { listAssignableUsers } from '#app/models/bulk-operation.server.ts'
import { requirePermission } from '#app/utils/auth.server.ts'

/** GET /orders/bulk/assignees — who the bulk bar's "Assign" may choose (loaded when that menu opens). */
export async function loader({ request }: LoaderFunctionArgs) {
  await requirePermission(request, 'update:order')
  return json({ users: await listAssignableUsers() })
}
