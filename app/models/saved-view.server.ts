import { z } from 'zod'
import type { SavedViewArea } from '#app/generated/prisma/enums.ts'
import { recordAudit } from '#app/models/audit.server.ts'
import { pgPool, prisma, type Prisma } from '#app/utils/db.server.ts'
import { ROLES, type Role } from '#app/utils/permissions.ts'

/**
 * Saved views: a named list filter (the list page's URL search params, so opening one reproduces the view exactly),
 * personal or shared read-only with a role, and at most one default per person and area (a partial unique index,
 * migration 20261125180100_saved_view_default, backs the transaction below). Only the owner edits or deletes; a
 * view shared with a role is listed for everyone with that role, read-only.
 */

export type ViewUser = { id: string; role: Role }
export type ViewArea = SavedViewArea

/** Page position is not part of a view: a view opens on its first page. */
const POSITION_PARAMS = new Set(['after', 'before', 'view'])

export const SavedViewInputSchema = z.object({
  name: z.string().trim().min(1, 'Give the view a name').max(80, 'At most 80 characters'),
  /** The list's URL search string (`status=pending&sort=totalAmount`), with or without the leading `?`. */
  search: z.string().max(4000, 'This view has too many filters to save'),
  sharedWithRole: z.enum(ROLES).nullable().default(null),
  isDefault: z.boolean().default(false),
})
export type SavedViewInput = z.input<typeof SavedViewInputSchema>

type StoredQuery = Record<string, string | string[]>

/** `?a=1&a=2&b=x&after=…` → `{ a: ['1','2'], b: 'x' }` (position params dropped). */
export function searchToStoredQuery(search: string): StoredQuery {
  const params = new URLSearchParams(search.startsWith('?') ? search.slice(1) : search)
  const query: StoredQuery = {}
  for (const key of new Set(params.keys())) {
    if (POSITION_PARAMS.has(key)) continue
    const values = params.getAll(key)
    query[key] = values.length === 1 ? values[0]! : values
  }
  return query
}

export function storedQueryToSearch(query: unknown): string {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries((query ?? {}) as StoredQuery)) {
    for (const item of Array.isArray(value) ? value : [value]) if (typeof item === 'string') params.append(key, item)
  }
  return params.toString()
}

export type SavedViewSummary = {
  id: string
  name: string
  search: string
  sharedWithRole: Role | null
  isDefault: boolean
  /** The viewer owns it (may edit, share, delete, make default). */
  mine: boolean
  ownerName: string
  version: number
}

const VIEW_SELECT = {
  id: true,
  name: true,
  query: true,
  sharedWithRole: true,
  isDefault: true,
  ownerId: true,
  version: true,
  owner: { select: { name: true } },
} as const satisfies Prisma.SavedViewSelect

type ViewRow = Prisma.SavedViewGetPayload<{ select: typeof VIEW_SELECT }>

function summary(row: ViewRow, user: ViewUser): SavedViewSummary {
  return {
    id: row.id,
    name: row.name,
    search: storedQueryToSearch(row.query),
    sharedWithRole: row.sharedWithRole,
    isDefault: row.ownerId === user.id && row.isDefault,
    mine: row.ownerId === user.id,
    ownerName: row.owner.name,
    version: row.version,
  }
}

/** The viewer's own views, then those shared with their role by others; by name. */
export async function listSavedViews(user: ViewUser, area: ViewArea): Promise<SavedViewSummary[]> {
  const rows = await prisma.savedView.findMany({
    where: { area, OR: [{ ownerId: user.id }, { sharedWithRole: user.role }] },
    orderBy: [{ name: 'asc' }, { id: 'asc' }],
    take: 200,
    select: VIEW_SELECT,
  })
  return rows.map((row) => summary(row, user)).sort((a, b) => Number(b.mine) - Number(a.mine))
}

/**
 * The view to open when the person opens the area's list without parameters, or null: their own default.
 * (Only the owner's `isDefault` counts: a shared view cannot be someone else's default; save a copy instead.)
 */
export async function getDefaultView(userId: string, _role: Role, area: ViewArea): Promise<{ id: string; name: string; search: string } | null> {
  // NOTE: every bare /orders request asks this, so it is a prepared statement on node-postgres (Prisma's per-call
  // cost was most of its time; bench/orders-ssr). The partial unique index on (ownerId, area) WHERE isDefault answers it.
  const { rows } = await pgPool.query<{ id: string; name: string; query: unknown }>({
    name: 'opsdeck.default-saved-view',
    text: `SELECT "id", "name", "query" FROM "SavedView" WHERE "area" = $1::text::"SavedViewArea" AND "ownerId" = $2 AND "isDefault" LIMIT 1`,
    values: [area, userId],
  })
  const row = rows[0]
  return row ? { id: row.id, name: row.name, search: storedQueryToSearch(row.query) } : null
}

export type ViewResult<T = SavedViewSummary> =
  | { ok: true; view: T }
  | { ok: false; status: 400 | 403 | 404 | 409; message: string; fieldErrors?: Record<string, string> }

function fieldErrors(error: z.ZodError) {
  return Object.fromEntries(error.issues.map((issue) => [issue.path.join('.') || 'form', issue.message]))
}

async function clearDefault(tx: Prisma.TransactionClient, user: ViewUser, area: ViewArea, except?: string) {
  await tx.savedView.updateMany({ where: { ownerId: user.id, area, isDefault: true, ...(except ? { id: { not: except } } : {}) }, data: { isDefault: false } })
}

export async function createSavedView(user: ViewUser, area: ViewArea, input: SavedViewInput, meta: { requestId?: string | null } = {}): Promise<ViewResult> {
  const parsed = SavedViewInputSchema.safeParse(input)
  if (!parsed.success) return { ok: false, status: 400, message: 'Check the highlighted fields.', fieldErrors: fieldErrors(parsed.error) }
  const { name, search, sharedWithRole, isDefault } = parsed.data
  const row = await prisma.$transaction(async (tx) => {
    if (isDefault) await clearDefault(tx, user, area)
    const created = await tx.savedView.create({
      data: { name, area, ownerId: user.id, sharedWithRole, isDefault, query: searchToStoredQuery(search) },
      select: VIEW_SELECT,
    })
    await recordAudit(tx, { actorId: user.id, action: 'create:saved_view', entityType: 'saved_view', entityId: created.id, after: { name, area, sharedWithRole, isDefault, search }, requestId: meta.requestId })
    return created
  })
  return { ok: true, view: summary(row, user) }
}

/** Loads a view for a change: 404 when the person cannot see it, 403 when they can but do not own it. */
async function ownedView(user: ViewUser, id: string): Promise<ViewResult<ViewRow>> {
  const row = await prisma.savedView.findUnique({ where: { id }, select: { ...VIEW_SELECT, area: true } })
  if (!row || (row.ownerId !== user.id && row.sharedWithRole !== user.role)) return { ok: false, status: 404, message: 'There is no such saved view.' }
  if (row.ownerId !== user.id) return { ok: false, status: 403, message: `“${row.name}” is shared with you by ${row.owner.name}; only they can change it. Save a copy to make your own.` }
  return { ok: true, view: row }
}

export type SavedViewChanges = Partial<SavedViewInput> & { expectedVersion?: number }

/** Renames, re-shares, re-points (new search) or (un)defaults an own view. A stale expectedVersion is refused (409). */
export async function updateSavedView(user: ViewUser, id: string, changes: SavedViewChanges, meta: { requestId?: string | null } = {}): Promise<ViewResult> {
  const owned = await ownedView(user, id)
  if (!owned.ok) return owned
  const parsed = SavedViewInputSchema.partial().safeParse(changes)
  if (!parsed.success) return { ok: false, status: 400, message: 'Check the highlighted fields.', fieldErrors: fieldErrors(parsed.error) }
  const current = owned.view
  const next = parsed.data
  return prisma.$transaction(async (tx): Promise<ViewResult> => {
    const area = (await tx.savedView.findUniqueOrThrow({ where: { id }, select: { area: true } })).area
    if (next.isDefault) await clearDefault(tx, user, area, id)
    const { count } = await tx.savedView.updateMany({
      where: { id, ownerId: user.id, ...(changes.expectedVersion !== undefined ? { version: changes.expectedVersion } : {}) },
      data: {
        ...(next.name !== undefined ? { name: next.name } : {}),
        ...(next.search !== undefined ? { query: searchToStoredQuery(next.search) } : {}),
        ...(changes.sharedWithRole !== undefined ? { sharedWithRole: next.sharedWithRole ?? null } : {}),
        ...(changes.isDefault !== undefined ? { isDefault: next.isDefault } : {}),
        version: { increment: 1 },
      },
    })
    if (count === 0) return { ok: false, status: 409, message: 'This view changed since you opened it — reload to see the change.' }
    const row = await tx.savedView.findUniqueOrThrow({ where: { id }, select: VIEW_SELECT })
    await recordAudit(tx, {
      actorId: user.id,
      action: 'update:saved_view',
      entityType: 'saved_view',
      entityId: id,
      before: { name: current.name, sharedWithRole: current.sharedWithRole, isDefault: current.isDefault, search: storedQueryToSearch(current.query) },
      after: { name: row.name, sharedWithRole: row.sharedWithRole, isDefault: row.isDefault, search: storedQueryToSearch(row.query) },
      requestId: meta.requestId,
    })
    return { ok: true, view: summary(row, user) }
  })
}

export async function deleteSavedView(user: ViewUser, id: string, meta: { requestId?: string | null } = {}): Promise<ViewResult<{ id: string }>> {
  const owned = await ownedView(user, id)
  if (!owned.ok) return owned
  await prisma.$transaction(async (tx) => {
    await tx.savedView.delete({ where: { id } })
    await recordAudit(tx, { actorId: user.id, action: 'delete:saved_view', entityType: 'saved_view', entityId: id, before: { name: owned.view.name, search: storedQueryToSearch(owned.view.query) }, requestId: meta.requestId })
  })
  return { ok: true, view: { id } }
}

/** Makes an own view the default for its area (clearing the previous one), or clears the default (id null). */
export async function setDefaultView(user: ViewUser, area: ViewArea, id: string | null, meta: { requestId?: string | null } = {}): Promise<ViewResult<{ id: string | null }>> {
  if (id === null) {
    await prisma.$transaction(async (tx) => clearDefault(tx, user, area))
    return { ok: true, view: { id: null } }
  }
  const result = await updateSavedView(user, id, { isDefault: true }, meta)
  return result.ok ? { ok: true, view: { id } } : result
}
