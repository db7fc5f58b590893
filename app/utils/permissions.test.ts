import { describe, expect, test } from 'vitest'
import { Role as PrismaRole } from '#app/generated/prisma/enums.ts'
import { hasPermission, NAV_ITEMS, navItemsFor, type Permission, type Role, ROLE_PERMISSIONS, ROLES } from './permissions.ts'

const cases: Record<Role, { allowed: Permission[]; denied: Permission[] }> = {
  admin: {
    allowed: ['manage:user', 'read:audit', 'manage:sandbox', 'delete:order', 'update:ticket', 'read:dashboard'],
    denied: [],
  },
  manager: {
    allowed: ['read:order', 'read:inventory', 'read:return', 'read:ticket', 'read:customer', 'read:integration', 'read:metric', 'read:alert', 'manage:alert', 'manage:metric', 'manage:integration', 'manage:ticket', 'read:dashboard'],
    denied: ['manage:user', 'read:user', 'read:audit', 'manage:sandbox', 'update:order', 'update:ticket', 'delete:order'],
  },
  operations: {
    allowed: ['read:order', 'update:order', 'create:order', 'read:inventory', 'update:inventory', 'create:return', 'update:return', 'read:integration', 'read:dashboard'],
    denied: ['manage:user', 'read:audit', 'read:ticket', 'update:ticket', 'manage:integration', 'read:metric', 'delete:order'],
  },
  support: {
    allowed: ['read:ticket', 'update:ticket', 'create:ticket', 'read:order', 'create:return', 'read:customer', 'read:dashboard'],
    denied: ['update:order', 'read:inventory', 'update:return', 'read:integration', 'manage:user', 'read:audit', 'read:metric', 'manage:ticket'],
  },
}

describe('ROLE_PERMISSIONS', () => {
  test('covers exactly the roles of the Prisma enum', () => {
    expect([...ROLES].sort()).toEqual(Object.values(PrismaRole).sort())
    expect(Object.keys(ROLE_PERMISSIONS).sort()).toEqual([...ROLES].sort())
  })

  for (const role of ROLES) {
    test(`${role}: allowed and denied examples`, () => {
      for (const permission of cases[role].allowed) expect(hasPermission(role, permission), permission).toBe(true)
      for (const permission of cases[role].denied) expect(hasPermission(role, permission), permission).toBe(false)
    })
  }

  test('only admins manage users, read the audit log or control the sandbox', () => {
    for (const role of ROLES) {
      const admin = role === 'admin'
      expect(hasPermission(role, 'manage:user')).toBe(admin)
      expect(hasPermission(role, 'read:audit')).toBe(admin)
      expect(hasPermission(role, 'manage:sandbox')).toBe(admin)
    }
  })

  test('no role or an unknown role has no permission', () => {
    expect(hasPermission(null, 'read:dashboard')).toBe(false)
    expect(hasPermission('guest' as Role, 'read:dashboard')).toBe(false)
  })
})

describe('navigation', () => {
  test('every role sees only built pages it may open', () => {
    for (const role of ROLES) {
      for (const item of navItemsFor(role)) {
        expect(item.built).toBe(true)
        expect(hasPermission(role, item.permission)).toBe(true)
      }
    }
  })

  const ADMIN = ['Home', 'Orders', 'Inventory', 'Returns', 'Tickets', 'Integrations', 'Live', 'Alerts', 'Users']
  const MANAGER = ['Home', 'Orders', 'Inventory', 'Returns', 'Tickets', 'Integrations', 'Live', 'Alerts']

  test('admins see every area and Users; managers every business area; operations orders, stock, returns and integrations; support orders and tickets', () => {
    expect(navItemsFor('admin').map((item) => item.label)).toEqual(ADMIN)
    expect(navItemsFor('manager').map((item) => item.label)).toEqual(MANAGER)
    expect(navItemsFor('operations').map((item) => item.label)).toEqual(['Home', 'Orders', 'Inventory', 'Returns', 'Integrations'])
    expect(navItemsFor('support').map((item) => item.label)).toEqual(['Home', 'Orders', 'Tickets'])
  })

  test('developer tools (the sandbox panel) only when the caller says they exist, and only for admins', () => {
    expect(navItemsFor('admin', { devTools: true }).map((item) => item.label)).toEqual([...ADMIN, 'Sandbox'])
    expect(navItemsFor('manager', { devTools: true }).map((item) => item.label)).toEqual(MANAGER)
  })

  test('every area of the product is built: no nav item is held back', () => {
    expect(NAV_ITEMS.filter((item) => !item.built).map((item) => item.label)).toEqual([])
  })
})
