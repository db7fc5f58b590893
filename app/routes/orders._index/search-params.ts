/**
 * Links that change one part of the list's view. The URL is the only state of `/orders` (STYLE.md habit 11): sort,
 * filters, page cursor, columns, density and rows per page all live in the search params, so a copied link
 * reproduces the view. Isomorphic (used while rendering on the server and in the browser).
 */

/** Params that position a page; any change to what is listed or how it is sorted starts again from the first page. */
const PAGE_PARAMS = ['after', 'before'] as const

export type ParamChanges = Record<string, string | readonly string[] | null | undefined>

/** `?…` for the current params with `changes` applied (null/undefined/[] removes a key). */
export function withParams(current: URLSearchParams, changes: ParamChanges, options: { keepPage?: boolean } = {}) {
  const next = new URLSearchParams(current)
  if (!options.keepPage) for (const key of PAGE_PARAMS) next.delete(key)
  for (const [key, value] of Object.entries(changes)) {
    next.delete(key)
    if (value === null || value === undefined) continue
    for (const item of typeof value === 'string' ? [value] : value) next.append(key, item)
  }
  const search = next.toString()
  return search ? `?${search}` : '?'
}

/** Values of a multi-value param, repeated or comma-separated (as the model parses them). */
export function listParam(params: URLSearchParams, key: string): string[] {
  return params
    .getAll(key)
    .flatMap((value) => value.split(','))
    .map((value) => value.trim())
    .filter(Boolean)
}

/** The params that describe how the list looks, not what it lists (kept when filters are reset). */
export const VIEW_PARAMS = ['sort', 'dir', 'limit', 'cols', 'density'] as const
