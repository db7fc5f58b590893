import { describe, expect, test } from 'vitest'
import { prisma } from '#app/utils/db.server.ts'
import { createSession, checkSession, commitSessionCookie } from '#app/utils/session.server.ts'
import { changeUserRole, createUser, listUsers, setUserDisabled } from './user.server.ts'

/** The acting admin (made directly: the first admin has nobody to create them). */
function makeAdmin() {
  return prisma.user.create({
    data: { email: `root-${crypto.randomUUID()}@example.test`, name: 'Root', role: 'admin', passwordHash: 'x' },
  })
}

describe('user model', () => {
  test('creates a user with an audit entry; a duplicate email (any case) is a field error', async () => {
    const admin = await makeAdmin()
    const actor = { id: admin.id, ip: '127.0.0.1', requestId: 'req-1' }
    const created = await createUser({ email: 'New.Person@Example.test', name: ' New Person ', role: 'support', password: 'a long enough password' }, actor)
    expect(created).toMatchObject({ ok: true, user: { email: 'new.person@example.test', name: 'New Person', role: 'support', version: 1 } })
    if (!created.ok) return
    const audit = await prisma.auditLog.findFirstOrThrow({ where: { entityId: created.user.id, action: 'create:user' } })
    expect(audit).toMatchObject({ actorId: admin.id, ip: '127.0.0.1', requestId: 'req-1', after: { email: 'new.person@example.test', role: 'support' } })
    expect(JSON.stringify(audit.after)).not.toMatch(/password/i)

    const duplicate = await createUser({ email: 'NEW.person@example.test', name: 'Again', role: 'admin', password: 'a long enough password' }, actor)
    expect(duplicate).toEqual({ ok: false, status: 400, field: 'email', message: 'A user with this email already exists' })
    expect((await listUsers()).filter((user) => user.email === 'new.person@example.test')).toHaveLength(1)
  })

  test('changes a role with the current version; a stale version is refused', async () => {
    const admin = await makeAdmin()
    const created = await createUser({ email: 'role@example.test', name: 'Role Person', role: 'support', password: 'a long enough password' }, { id: admin.id })
    if (!created.ok) throw new Error('create failed')
    const changed = await changeUserRole({ userId: created.user.id, role: 'operations', version: 1 }, { id: admin.id })
    expect(changed).toMatchObject({ ok: true, user: { role: 'operations', version: 2 } })
    const stale = await changeUserRole({ userId: created.user.id, role: 'manager', version: 1 }, { id: admin.id })
    expect(stale).toMatchObject({ ok: false, status: 409, message: expect.stringContaining('changed by someone else') })
    expect((await prisma.user.findUniqueOrThrow({ where: { id: created.user.id } })).role).toBe('operations')
    expect(await prisma.auditLog.count({ where: { entityId: created.user.id, action: 'update:user.role' } })).toBe(1)
    expect(await changeUserRole({ userId: 'missing', role: 'manager', version: 1 }, { id: admin.id })).toMatchObject({ status: 404 })
  })

  test('an admin cannot demote or disable themselves', async () => {
    const admin = await makeAdmin()
    expect(await changeUserRole({ userId: admin.id, role: 'support', version: admin.version }, { id: admin.id })).toMatchObject({
      ok: false, status: 400, field: 'role', message: expect.stringContaining('your own admin role'),
    })
    expect(await setUserDisabled({ userId: admin.id, disabled: true }, { id: admin.id })).toMatchObject({
      ok: false, status: 400, message: expect.stringContaining('disable your own account'),
    })
    expect((await prisma.user.findUniqueOrThrow({ where: { id: admin.id } })).role).toBe('admin')
  })

  test('disabling revokes every session at once; enabling does not bring them back', async () => {
    const admin = await makeAdmin()
    const created = await createUser({ email: 'leaver@example.test', name: 'Leaver', role: 'support', password: 'a long enough password' }, { id: admin.id })
    if (!created.ok) throw new Error('create failed')
    const sessions = await Promise.all([createSession(created.user.id), createSession(created.user.id)])
    const cookies = await Promise.all(sessions.map(async (s) => (await commitSessionCookie(s.token, s.expiresAt)).split(';')[0]!))
    const disabled = await setUserDisabled({ userId: created.user.id, disabled: true }, { id: admin.id })
    expect(disabled).toMatchObject({ ok: true, revokedSessions: 2, user: { disabledAt: expect.any(Date) } })
    expect(await prisma.session.count({ where: { userId: created.user.id, revokedAt: null } })).toBe(0)
    for (const cookie of cookies) expect((await checkSession(cookie)).ok).toBe(false)

    const enabled = await setUserDisabled({ userId: created.user.id, disabled: false }, { id: admin.id })
    expect(enabled).toMatchObject({ ok: true, user: { disabledAt: null } })
    for (const cookie of cookies) expect(await checkSession(cookie)).toEqual({ ok: false, reason: 'revoked' })
    const actions = await prisma.auditLog.findMany({ where: { entityId: created.user.id }, orderBy: { id: 'asc' }, select: { action: true } })
    expect(actions.map((a) => a.action)).toEqual(['create:user', 'disable:user', 'enable:user'])
  })

  test('the last active admin stays: two admins demoting each other at once leaves exactly one', async () => {
    // Only the two admins of this test are active admins.
    await prisma.user.updateMany({ where: { role: 'admin' }, data: { role: 'manager' } })
    const [a, b] = [await makeAdmin(), await makeAdmin()]
    const results = await Promise.all([
      changeUserRole({ userId: b.id, role: 'support', version: 1 }, { id: a.id }),
      changeUserRole({ userId: a.id, role: 'support', version: 1 }, { id: b.id }),
    ])
    expect(results.filter((result) => result.ok)).toHaveLength(1)
    expect(results.find((result) => !result.ok)).toEqual({
      ok: false,
      status: 400,
      message: 'OpsDeck needs at least one active admin. Make someone else an admin first.',
    })
    const survivors = await prisma.user.findMany({ where: { role: 'admin', disabledAt: null }, select: { id: true } })
    expect(survivors).toHaveLength(1)

    const survivor = survivors[0]!.id
    const other = await makeAdmin()
    // The survivor can be disabled while another admin exists; then the other is the last one and stays.
    expect(await setUserDisabled({ userId: survivor, disabled: true }, { id: other.id })).toMatchObject({ ok: true })
    const third = await prisma.user.create({ data: { email: `x-${crypto.randomUUID()}@example.test`, name: 'X', role: 'admin', passwordHash: 'x', disabledAt: new Date() } })
    expect(await setUserDisabled({ userId: other.id, disabled: true }, { id: third.id })).toMatchObject({ ok: false, status: 400 })
  })
})
