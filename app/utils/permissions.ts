/**
 * Who may do what. Isomorphic (no server imports): the shell uses it to decide which links to render, and every
 * loader/action/socket join checks it through `requirePermission` (app/utils/auth.server.ts).
 *
 * Permissions are `action:entity` strings. A role's list is exhaustive: anything not listed is denied.
 */

export const ROLES = ['admin', 'manager', 'operations', 'support'] as const
/** Same union as Prisma's `Role` enum (prisma/schema.prisma); kept here so this module stays browser-safe. */
export type Role = (typeof ROLES)[number]

export const ACTIONS = ['read', 'create', 'update', 'delete', 'manage'] as const
export type Action = (typeof ACTIONS)[number]

export const ENTITIES = [
  /** The home page figures (every signed-in role). */
  'dashboard',
  'order',
  'inventory',
  'return',
  'ticket',
  'customer',
  'integration',
  'metric',
  'alert',
  'user',
  'audit',
  'sandbox',
] as const
export type Entity = (typeof ENTITIES)[number]

export type Permission = `${Action}:${Entity}`

const ALL: readonly Permission[] = ACTIONS.flatMap((action) => ENTITIES.map((entity) => `${action}:${entity}` as const))

function grant(actions: readonly Action[], entities: readonly Entity[]): Permission[] {
  return actions.flatMap((action) => entities.map((entity) => `${action}:${entity}` as const))
}

/** Business areas a manager reads; people, the audit log and the sandbox stay with admins. */
const BUSINESS: readonly Entity[] = ['dashboard', 'order', 'inventory', 'return', 'ticket', 'customer', 'integration', 'metric', 'alert']

export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  admin: ALL,
  manager: [
    ...grant(['read'], BUSINESS),
    // Alert rules, metric dashboards and integration settings are a manager's to run.
    ...grant(['create', 'update', 'manage'], ['alert', 'metric', 'integration']),
    // The support desk's shared setup (macros); tickets themselves stay with agents.
    'manage:ticket',
  ],
  operations: [
    'read:dashboard',
    // Refunds are part of the return (and order) workflow, so `update:return` / `update:order` cover them.
    ...grant(['read', 'create', 'update'], ['order', 'inventory', 'return']),
    'read:customer',
    'read:integration',
  ],
  support: [
    'read:dashboard',
    ...grant(['read', 'create', 'update'], ['ticket']),
    'read:order',
    'create:return',
    'read:customer',
  ],
}

const LOOKUP = new Map<Role, ReadonlySet<Permission>>(
  ROLES.map((role) => [role, new Set(ROLE_PERMISSIONS[role])] as const),
)

export function hasPermission(role: Role | null | undefined, permission: Permission): boolean {
  if (!role) return false
  return LOOKUP.get(role)?.has(permission) ?? false
}

// ─── Navigation model ───────────────────────────────────────────────────────────────────────────────────────────

export type NavIcon = 'home' | 'orders' | 'inventory' | 'returns' | 'tickets' | 'integrations' | 'live' | 'alerts' | 'users' | 'sandbox'

export type NavItem = {
  id: string
  label: string
  to: string
  icon: NavIcon
  /** The permission the linked page's loader requires: a role never sees a link it cannot open. */
  permission: Permission
  /**
   * False for areas whose pages do not exist yet. They stay in the model (so the permission for each area is
   * decided in one place) but are never rendered: the console ships no placeholder pages (issue 2, item 10).
   */
  built: boolean
  /**
   * A developer tool that does not exist in production (the sandbox panel): shown only when the caller says so
   * (`navItemsFor(role, { devTools: true })`), since this module is isomorphic and cannot read the configuration.
   */
  devTool?: boolean
}

export const NAV_ITEMS: readonly NavItem[] = [
  { id: 'home', label: 'Home', to: '/', icon: 'home', permission: 'read:dashboard', built: true },
  { id: 'orders', label: 'Orders', to: '/orders', icon: 'orders', permission: 'read:order', built: true },
  { id: 'inventory', label: 'Inventory', to: '/inventory', icon: 'inventory', permission: 'read:inventory', built: true },
  { id: 'returns', label: 'Returns', to: '/returns', icon: 'returns', permission: 'read:return', built: true },
  { id: 'tickets', label: 'Tickets', to: '/tickets', icon: 'tickets', permission: 'read:ticket', built: true },
  { id: 'integrations', label: 'Integrations', to: '/integrations', icon: 'integrations', permission: 'read:integration', built: true },
  { id: 'live', label: 'Live', to: '/live', icon: 'live', permission: 'read:metric', built: true },
  { id: 'alerts', label: 'Alerts', to: '/alerts', icon: 'alerts', permission: 'read:alert', built: true },
  { id: 'users', label: 'Users', to: '/admin/users', icon: 'users', permission: 'manage:user', built: true },
  { id: 'sandbox', label: 'Sandbox', to: '/admin/sandbox', icon: 'sandbox', permission: 'manage:sandbox', built: true, devTool: true },
]

/**
 * The links a role sees: built pages it may open, in menu order. Developer tools only with `devTools` (the root
 * loader passes `sandboxControlAvailable()`, false in production, where those pages answer 404).
 */
export function navItemsFor(role: Role, options: { devTools?: boolean } = {}): NavItem[] {
  return NAV_ITEMS.filter((item) => item.built && hasPermission(role, item.permission) && (!item.devTool || options.devTools === true))
}
