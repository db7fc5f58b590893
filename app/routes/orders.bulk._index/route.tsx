import { json, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { toBulkHistoryItem } from '#app/components/bulk/bulk-history-columns.tsx'
import { BulkHistory } from '#app/components/bulk/bulk-history.tsx'
import { GeneralErrorBoundary } from '#app/components/error-boundary.tsx'
import { BULK_KINDS, BULK_STATUSES, listBulkOperations } from '#app/models/bulk-operation.server.ts'
import { requirePermission } from '#app/utils/auth.server.ts'
import ordersListStylesHref from '../orders._index/orders-list.css'

/**
 * `/orders/bulk`: the history of bulk actions and exports on orders — who, what, when, on which selection, how it went
 * (succeeded / skipped / failed), newest first, keyset pages (`?after=`), filters by action and status in the URL.
 * Each row opens the operation's page (per-row results, download). Everyone sees their own operations; admins see
 * everyone's (`?who=mine` for their own) — the same rule as an operation's page. POST /orders/bulk (starting one) is
 * the parent route's action (orders.bulk.tsx). The page is app/components/bulk/bulk-history.tsx (tickets' too).
 */

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: ordersListStylesHref }]

// NOTE: the component lists the choices from bulk-labels.tsx; BULK_KINDS / BULK_STATUSES come from a .server module,
// which the browser bundle does not have.
const QuerySchema = z.object({
  kind: z.enum(BULK_KINDS).optional().catch(undefined),
  status: z.enum(BULK_STATUSES).optional().catch(undefined),
  who: z.enum(['mine', 'everyone']).optional().catch(undefined),
  after: z.string().max(200).optional().catch(undefined),
})

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requirePermission(request, 'read:order')
  const query = QuerySchema.parse(Object.fromEntries(new URL(request.url).searchParams))
  const isAdmin = user.role === 'admin'
  const everyone = isAdmin && query.who !== 'mine'
  const page = await listBulkOperations({ area: 'orders', viewer: { id: user.id, role: user.role }, everyone, kind: query.kind, status: query.status, after: query.after })
  return json({ rows: page.rows.map(toBulkHistoryItem), nextCursor: page.nextCursor, firstPage: !query.after, everyone, canSeeEveryone: isAdmin })
}

export default function BulkHistoryPage() {
  return <BulkHistory area="orders" data={useLoaderData<typeof loader>()} />
}

export const meta: MetaFunction = () => [{ title: 'Bulk operations · Orders · OpsDeck' }]

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
