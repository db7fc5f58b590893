import { PassThrough } from 'node:stream'
import { createReadableStreamFromReadable, type EntryContext, type HandleDocumentRequestFunction } from '@remix-run/node'
import type { HandleErrorFunction } from '@remix-run/node'
import { RemixServer } from '@remix-run/react'
import { isbot } from 'isbot'
import type { Logger } from 'pino'
import { renderToPipeableStream, renderToString } from 'react-dom/server'
import { NonceProvider } from '#app/utils/nonce-provider.ts'

/** What server/app.ts passes to every loader and action as `context`. */
declare module '@remix-run/server-runtime' {
  interface AppLoadContext {
    /** This response's CSP nonce (server/security.ts). */
    cspNonce: string
    /** The request id echoed in `X-Request-Id`; record it with audit entries and error reports. */
    requestId: string
    /** The peer address (through TRUST_PROXY); sign-in throttling per IP, sessions and audit entries use it. */
    clientIp: string | null
    /** pino child logger bound to this request id. */
    log: Logger
  }
}

export const streamTimeout = 5_000

const handleRequest: HandleDocumentRequestFunction = (request, responseStatusCode, responseHeaders, remixContext, loadContext) => {
  const nonce = loadContext.cspNonce ?? ''
  const app = (
    <NonceProvider value={nonce}>
      <RemixServer context={remixContext as EntryContext} url={request.url} nonce={nonce} />
    </NonceProvider>
  )
  responseHeaders.set('Content-Type', 'text/html; charset=utf-8')
  // NOTE: with nothing deferred there is nothing to stream: the app has no other Suspense boundary, so React's
  // "shell" is the whole document and streaming would only cut it into ~50 small writes (each through a web stream,
  // the compression stream and a socket write). One string is the same bytes at the same moment, in one write
  // (bench/orders-ssr). A loader that returns `defer()` gets the streaming render below.
  const deferred = remixContext.staticHandlerContext.activeDeferreds
  if (!deferred || Object.keys(deferred).length === 0) {
    // renderToString leaves out the doctype the streaming renderer writes before <html> (standards mode).
    return new Response(`<!DOCTYPE html>${renderToString(app)}`, { headers: responseHeaders, status: responseStatusCode })
  }
  // Crawlers and no-JS clients get the whole document at once; browsers get the shell as soon as it is ready.
  const readyEvent = isbot(request.headers.get('user-agent')) || remixContext.isSpaMode ? 'onAllReady' : 'onShellReady'
  return new Promise((resolve, reject) => {
    let shellRendered = false
    const { pipe, abort } = renderToPipeableStream(app, {
      nonce,
      [readyEvent]() {
        shellRendered = true
        const body = new PassThrough()
        resolve(new Response(createReadableStreamFromReadable(body), { headers: responseHeaders, status: responseStatusCode }))
        pipe(body)
      },
      onShellError(error: unknown) {
        reject(error)
      },
      onError(error: unknown) {
        responseStatusCode = 500
        // Errors after the shell are also reported to handleError by Remix; before it, this is the only trace.
        if (shellRendered) loadContext.log?.error({ err: error }, 'render error after shell')
      },
    })
    setTimeout(abort, streamTimeout + 1_000)
  })
}

export default handleRequest

/** Loader/action/render errors Remix caught (it already shows the route's ErrorBoundary); log them with the request id. */
export const handleError: HandleErrorFunction = (error, { request, context }) => {
  if (request.signal.aborted) return // the client went away; not an error of ours
  const log = (context as { log?: Logger } | undefined)?.log
  if (log) log.error({ err: error }, 'route error')
  else console.error(error)
}
