import { beforeAll, describe, expect, test } from 'vitest'
import { prisma } from '#app/utils/db.server.ts'
import { createUser } from '#test/factories/index.ts'
import { renderMacro, unknownPlaceholders } from './macro-template.ts'
import { canManageMacros, createMacro, listMacros, setMacroActive, updateMacro } from './macro.server.ts'

type Actor = { id: string; role: 'admin' | 'manager' | 'support' | 'operations' }
let manager: Actor
let support: Actor

beforeAll(async () => {
  manager = { id: (await createUser(prisma, { role: 'manager' })).user.id, role: 'manager' }
  support = { id: (await createUser(prisma, { role: 'support' })).user.id, role: 'support' }
})

describe('macros', () => {
  test('managers and admins manage; agents and operations do not', () => {
    expect((['admin', 'manager', 'support', 'operations'] as const).map(canManageMacros)).toEqual([true, true, false, false])
  })

  test('create, edit with a version check, retire and restore; names are unique; every change is audited', async () => {
    expect(await createMacro(support, { name: 'Nope', body: 'x' })).toMatchObject({ ok: false, status: 403 })
    const created = await createMacro(manager, { name: 'Thanks', body: 'Thanks {{customer.first_name}}!', setStatus: 'solved', addTags: 'Thanked, happy customer' })
    if (!created.ok) throw new Error(created.message)
    expect(await prisma.macro.findUniqueOrThrow({ where: { id: created.id } })).toMatchObject({ setStatus: 'solved', addTags: ['thanked', 'happy-customer'], version: 1 })
    expect(await createMacro(manager, { name: 'Thanks', body: 'again' })).toMatchObject({ ok: false, status: 400, fieldErrors: { name: 'A macro called “Thanks” exists already' } })
    expect(await updateMacro(manager, created.id, { name: 'Thanks!', body: 'Thank you {{customer.first_name}}' }, 1)).toEqual({ ok: true, id: created.id })
    expect(await updateMacro(manager, created.id, { name: 'Stale', body: 'x' }, 1)).toMatchObject({ ok: false, status: 409 })
    expect(await updateMacro(manager, created.id, { name: 'x', body: 'x', setStatus: 'new' }, 2)).toMatchObject({ ok: false, status: 400, fieldErrors: { setStatus: expect.stringContaining('new') } })
    await setMacroActive(manager, created.id, false)
    expect((await listMacros()).map((macro) => macro.id)).not.toContain(created.id)
    expect((await listMacros({ includeRetired: true })).map((macro) => macro.id)).toContain(created.id)
    await setMacroActive(manager, created.id, true)
    const audit = await prisma.auditLog.findMany({ where: { entityType: 'macro', entityId: created.id }, orderBy: { id: 'asc' }, select: { action: true } })
    expect(audit.map((entry) => entry.action)).toEqual(['create:macro', 'update:macro', 'retire:macro', 'restore:macro'])
  })

  test('placeholders: unknown ones are named; missing values are shown and reported', () => {
    expect(unknownPlaceholders('Hi {{customer.name}} {{ order.total }} {{agent.name}}')).toEqual(['order.total'])
    expect(renderMacro('Hi {{customer.first_name}}, order {{order.number}}', { 'customer.first_name': 'Grace', 'order.number': null })).toEqual({
      text: 'Hi Grace, order [order number]',
      missing: ['order.number'],
    })
  })
})
