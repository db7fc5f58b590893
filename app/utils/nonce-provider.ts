import { createContext, useContext } from 'react'

/**
 * The per-request CSP nonce (server/security.ts), provided by app/entry.server.tsx. Inline scripts Remix renders
 * (`<Scripts nonce>`, `<ScrollRestoration nonce>`) must carry it or the browser refuses them. In the browser the
 * value is empty: the nonce attribute is only read from the server-rendered HTML. Pattern from the Epic Stack.
 */
const NonceContext = createContext<string>('')

export const NonceProvider = NonceContext.Provider

export function useNonce() {
  return useContext(NonceContext)
}
