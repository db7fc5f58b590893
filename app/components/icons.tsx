import type { NavIcon } from '#app/utils/permissions.ts'

/** Small stroke icons (inline SVG: no icon font, no extra request, nothing for the CSP to allow). */
const PATHS: Record<NavIcon | 'menu' | 'logout' | 'close' | 'user', string> = {
  home: 'M3 10.5 12 3l9 7.5V21h-6v-6H9v6H3z',
  orders: 'M6 3h12l1 4H5zM5 7h14v14H5zM9 11h6',
  inventory: 'M3 7l9-4 9 4-9 4zM3 7v10l9 4 9-4V7M12 11v10',
  returns: 'M9 14 4 9l5-5M4 9h11a5 5 0 0 1 0 10h-3',
  tickets: 'M4 5h16v10H8l-4 4z',
  integrations: 'M8 7V3M16 7V3M6 7h12v4a6 6 0 0 1-12 0zM12 17v4',
  live: 'M3 12h4l3-7 4 14 3-7h4',
  alerts: 'M12 3a6 6 0 0 0-6 6v4l-2 4h16l-2-4V9a6 6 0 0 0-6-6zM10 20a2 2 0 0 0 4 0',
  sandbox: 'M9 3h6M10 3v6l-5 9a2 2 0 0 0 1.8 3h10.4a2 2 0 0 0 1.8-3l-5-9V3M7.5 14h9',
  users: 'M9 11a4 4 0 1 0 0-8 4 4 0 0 0 0 8zM2 21a7 7 0 0 1 14 0M16 3.5a4 4 0 0 1 0 7.5M18 14a6 6 0 0 1 4 7',
  user: 'M12 12a4.5 4.5 0 1 0 0-9 4.5 4.5 0 0 0 0 9zM4 21a8 8 0 0 1 16 0',
  menu: 'M4 6h16M4 12h16M4 18h16',
  logout: 'M15 4h4v16h-4M10 8l-4 4 4 4M6 12h10',
  close: 'M6 6l12 12M18 6 6 18',
}

export type IconName = keyof typeof PATHS

export function Icon({ name, title }: { name: IconName; title?: string }) {
  return (
    <svg
      className="icon"
      viewBox="0 0 24 24"
      width="16"
      height="16"
      fill="none"
      stroke="currentColor"
      strokeWidth="1.8"
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden={title ? undefined : true}
      role={title ? 'img' : undefined}
    >
      {title ? <title>{title}</title> : null}
      <path d={PATHS[name]} />
    </svg>
  )
}
