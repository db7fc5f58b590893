import { json, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { toBulkHistoryItem } from '#app/components/bulk/bulk-history-columns.tsx'
import { BulkHistory } from '#app/components/bulk/bulk-history.tsx'
import { GeneralErrorBoundary } from '#app/components/error-boundary.tsx'
import { BULK_STATUSES, listBulkOperations } from '#app/models/bulk-operation.server.ts'
import { TICKET_BULK_KINDS } from '#app/models/ticket-bulk.server.ts'
import { requirePermission } from '#app/utils/auth.server.ts'
import ordersListStylesHref from '../orders._index/orders-list.css'

/**
 * `/tickets/bulk`: the history of bulk actions on tickets (tag, assign, close, round-robin), the same page as the
 * orders' (app/components/bulk/bulk-history.tsx) on area `tickets`: newest first, keyset pages, filters by action and
 * status. Everyone with read:ticket sees their own; admins see everyone's (`?who=mine` for their own) — the same rule
 * as an operation's page (tickets.bulk.$id). Bulk actions are started from the tickets list (tickets._index).
 */

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: ordersListStylesHref }]

const QuerySchema = z.object({
  kind: z.enum(TICKET_BULK_KINDS).optional().catch(undefined),
  status: z.enum(BULK_STATUSES).optional().catch(undefined),
  who: z.enum(['mine', 'everyone']).optional().catch(undefined),
  after: z.string().max(200).optional().catch(undefined),
})

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requirePermission(request, 'read:ticket')
  const query = QuerySchema.parse(Object.fromEntries(new URL(request.url).searchParams))
  const isAdmin = user.role === 'admin'
  const everyone = isAdmin && query.who !== 'mine'
  const page = await listBulkOperations({ area: 'tickets', viewer: { id: user.id, role: user.role }, everyone, kind: query.kind, status: query.status, after: query.after })
  return json({ rows: page.rows.map(toBulkHistoryItem), nextCursor: page.nextCursor, firstPage: !query.after, everyone, canSeeEveryone: isAdmin })
}

export default function TicketBulkHistoryPage() {
  return <BulkHistory area="tickets" data={useLoaderData<typeof loader>()} />
}

export const meta: MetaFunction = () => [{ title: 'Bulk actions · Tickets · OpsDeck' }]

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
