import { expect, test } from 'vitest'
import { prisma } from '#app/utils/db.server.ts'
import { createUser } from '#test/factories/users.ts'
import {
  createSavedView,
  deleteSavedView,
  getDefaultView,
  listSavedViews,
  searchToStoredQuery,
  setDefaultView,
  storedQueryToSearch,
  updateSavedView,
  type ViewUser,
} from './saved-view.server.ts'

/** Saved views on the real database: ownership, sharing with a role, one default per person and area. */

async function person(role: 'operations' | 'support' | 'manager' | 'admin' = 'operations'): Promise<ViewUser> {
  const { user } = await createUser(prisma, { role })
  return { id: user.id, role: user.role }
}

async function created(user: ViewUser, input: Parameters<typeof createSavedView>[2]) {
  const result = await createSavedView(user, 'orders', input)
  if (!result.ok) throw new Error(result.message)
  return result.view
}

test('the stored query is the list URL (repeated params kept, page position dropped) and reads back the same', () => {
  const stored = searchToStoredQuery('?status=pending&status=on_hold&sort=totalAmount&cols=number,total&after=abc&q=smith')
  expect(stored).toEqual({ status: ['pending', 'on_hold'], sort: 'totalAmount', cols: 'number,total', q: 'smith' })
  expect(storedQueryToSearch(stored)).toBe('status=pending&status=on_hold&sort=totalAmount&cols=number%2Ctotal&q=smith')
})

test('personal views are private; a view shared with a role is listed, read-only, for that role only', async () => {
  const owner = await person('operations')
  const teammate = await person('operations')
  const support = await person('support')
  const mine = await created(owner, { name: 'Unpaid big', search: 'payment=unpaid&minTotal=100' })
  const shared = await created(owner, { name: 'Team queue', search: 'status=confirmed', sharedWithRole: 'operations' })
  expect(mine).toMatchObject({ name: 'Unpaid big', search: 'payment=unpaid&minTotal=100', mine: true, sharedWithRole: null, isDefault: false, version: 1 })

  expect((await listSavedViews(owner, 'orders')).map((view) => view.name)).toEqual(['Team queue', 'Unpaid big'])
  const theirs = await listSavedViews(teammate, 'orders')
  expect(theirs).toEqual([expect.objectContaining({ id: shared.id, name: 'Team queue', mine: false, search: 'status=confirmed' })])
  expect(await listSavedViews(support, 'orders')).toEqual([])
  // Another area is another list.
  expect(await listSavedViews(owner, 'tickets')).toEqual([])

  // Others cannot change or delete: 403 when they can see it, 404 when they cannot.
  expect(await updateSavedView(teammate, shared.id, { name: 'Mine now' })).toMatchObject({ ok: false, status: 403 })
  expect(await deleteSavedView(teammate, shared.id)).toMatchObject({ ok: false, status: 403 })
  expect(await updateSavedView(teammate, mine.id, { name: 'x' })).toMatchObject({ ok: false, status: 404 })
  expect(await deleteSavedView(support, shared.id)).toMatchObject({ ok: false, status: 404 })
  expect(await setDefaultView(teammate, 'orders', shared.id)).toMatchObject({ ok: false, status: 403 })
  expect((await prisma.savedView.findUniqueOrThrow({ where: { id: shared.id } })).name).toBe('Team queue')

  // The owner edits (version moves; a stale version is refused), un-shares and deletes.
  const renamed = await updateSavedView(owner, shared.id, { name: 'Team queue (confirmed)', expectedVersion: 1 })
  expect(renamed).toMatchObject({ ok: true, view: { name: 'Team queue (confirmed)', version: 2, sharedWithRole: 'operations' } })
  expect(await updateSavedView(owner, shared.id, { name: 'Again', expectedVersion: 1 })).toMatchObject({ ok: false, status: 409 })
  expect(await updateSavedView(owner, shared.id, { sharedWithRole: null })).toMatchObject({ ok: true, view: { sharedWithRole: null } })
  expect(await listSavedViews(teammate, 'orders')).toEqual([])
  expect(await deleteSavedView(owner, mine.id)).toEqual({ ok: true, view: { id: mine.id } })
  expect(await prisma.savedView.count({ where: { id: mine.id } })).toBe(0)
  expect(await prisma.auditLog.count({ where: { entityType: 'saved_view', actorId: owner.id } })).toBe(5)
})

test('bad input is refused with field errors', async () => {
  const owner = await person()
  expect(await createSavedView(owner, 'orders', { name: '  ', search: '' })).toMatchObject({ ok: false, status: 400, fieldErrors: { name: 'Give the view a name' } })
  expect(await createSavedView(owner, 'orders', { name: 'x', search: 'a=1', sharedWithRole: 'nobody' as never })).toMatchObject({ ok: false, status: 400 })
})

test('one default per person and area: setting another replaces it; the default opens the list; clearing it works', async () => {
  const owner = await person('support')
  const other = await person('support')
  expect(await getDefaultView(owner.id, owner.role, 'orders')).toBeNull()
  const first = await created(owner, { name: 'First', search: 'status=pending', isDefault: true })
  const second = await created(owner, { name: 'Second', search: 'channel=pos' })
  const ticketsDefault = await createSavedView(owner, 'tickets', { name: 'Tickets', search: 'x=1', isDefault: true })
  expect(ticketsDefault.ok).toBe(true)
  expect(await getDefaultView(owner.id, owner.role, 'orders')).toEqual({ id: first.id, name: 'First', search: 'status=pending' })

  expect(await setDefaultView(owner, 'orders', second.id)).toEqual({ ok: true, view: { id: second.id } })
  expect(await getDefaultView(owner.id, owner.role, 'orders')).toMatchObject({ id: second.id, search: 'channel=pos' })
  expect(await prisma.savedView.count({ where: { ownerId: owner.id, area: 'orders', isDefault: true } })).toBe(1)
  // Creating a new default also replaces it.
  const third = await created(owner, { name: 'Third', search: 'q=smith', isDefault: true })
  expect((await listSavedViews(owner, 'orders')).filter((view) => view.isDefault).map((view) => view.id)).toEqual([third.id])
  // Other areas and other people are untouched.
  expect(await getDefaultView(owner.id, owner.role, 'tickets')).toMatchObject({ name: 'Tickets' })
  expect(await getDefaultView(other.id, other.role, 'orders')).toBeNull()

  // The database itself refuses two defaults (the partial unique index), whatever the code does.
  await expect(prisma.savedView.update({ where: { id: first.id }, data: { isDefault: true } })).rejects.toThrow()

  expect(await setDefaultView(owner, 'orders', null)).toEqual({ ok: true, view: { id: null } })
  expect(await getDefaultView(owner.id, owner.role, 'orders')).toBeNull()
})
