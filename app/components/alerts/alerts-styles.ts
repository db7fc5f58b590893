import alertsStylesHref from './alerts.css'

/** The stylesheet of the notification center and /alerts, linked once by root.tsx (the center is on every page). */
export { alertsStylesHref }
