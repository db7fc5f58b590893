import { Form, Link, NavLink } from '@remix-run/react'
import type { NavItem, Role } from '#app/utils/permissions.ts'
import { Icon } from './icons.tsx'
import { useDismissableDetails } from './use-dismissable-details.ts'

/** What the shell needs of a nav item (the root loader sends no more). */
export type ShellNavItem = Pick<NavItem, 'id' | 'label' | 'to' | 'icon'>

export type ShellUser = { id: string; name: string; email: string; role: Role }

const ROLE_LABELS: Record<Role, string> = {
  admin: 'Admin',
  manager: 'Manager',
  operations: 'Operations',
  support: 'Support',
}

export function roleLabel(role: Role) {
  return ROLE_LABELS[role]
}

/**
 * The signed-in layout: skip link, top bar (brand, live indicator, user menu), sidebar of the links this role may
 * open, and the main landmark. Under 1024 px the sidebar shrinks to icons (labels stay as accessible names).
 */
export function AppShell({
  user,
  nav,
  status,
  children,
}: {
  user: ShellUser
  nav: ShellNavItem[]
  /** The live indicator (from the realtime provider), rendered in the top bar. */
  status?: React.ReactNode
  children: React.ReactNode
}) {
  return (
    <div className="shell">
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <header className="topbar">
        <Link to="/" className="brand" aria-label="OpsDeck home">
          <span className="brand-mark" aria-hidden="true">
            OD
          </span>
          <span className="brand-name">OpsDeck</span>
        </Link>
        <div className="topbar-end">
          {status}
          <UserMenu user={user} />
        </div>
      </header>
      <nav className="sidebar" aria-label="Main">
        <ul>
          {nav.map((item) => (
            <li key={item.id}>
              <NavLink to={item.to} end={item.to === '/'} className="nav-link" title={item.label} data-nav={item.id}>
                <Icon name={item.icon} />
                <span className="nav-label">{item.label}</span>
              </NavLink>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" className="main" tabIndex={-1}>
        {children}
      </main>
    </div>
  )
}

/**
 * A disclosure (`<details>`): opens with Enter/Space without any script, closes on Escape, on a click elsewhere
 * and on navigation. Not an ARIA `menu` (that role promises arrow-key handling a two-item list does not need).
 */
function UserMenu({ user }: { user: ShellUser }) {
  const ref = useDismissableDetails()

  return (
    <details className="user-menu" ref={ref}>
      <summary data-testid="user-menu-button">
        <Icon name="user" />
        <span className="user-name" data-testid="user-name">
          {user.name}
        </span>
        <span className="badge badge-neutral">{roleLabel(user.role)}</span>
      </summary>
      <div className="user-menu-panel">
        <p className="user-menu-who">
          <strong>{user.name}</strong>
          <span className="muted">{user.email}</span>
          <span className="muted">Role: {roleLabel(user.role)}</span>
        </p>
        <Form method="post" action="/logout">
          <button type="submit" className="button button-secondary button-block" data-testid="sign-out">
            <Icon name="logout" />
            Sign out
          </button>
        </Form>
      </div>
    </details>
  )
}
