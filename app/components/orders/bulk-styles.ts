import bulkStylesHref from './bulk.css'

/** The stylesheet of the bulk bar, progress page, saved views menu and new-orders banner, for a route's `links`. */
export { bulkStylesHref }
