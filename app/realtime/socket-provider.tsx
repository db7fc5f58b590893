import { createContext, useContext, useEffect, useRef, useState, type ReactNode } from 'react'
import { io, type Socket } from 'socket.io-client'
import { SOCKET_PATH, type ClientToServerEvents, type ServerToClientEvents, type WorkersStatus } from './events.ts'

/**
 * One Socket.IO connection per tab (STYLE.md habit 13), opened by `<SocketProvider>` in root.tsx for signed-in
 * pages. Same origin, session cookie, websocket first with long-polling as fallback; reconnects by itself.
 * Components subscribe with `useSocketEvent`, which always unsubscribes on unmount.
 */

export type AppSocket = Socket<ServerToClientEvents, ClientToServerEvents>
export type SocketStatus = 'connecting' | 'live' | 'offline'

type SocketContextValue = { socket: AppSocket | null; status: SocketStatus; workers: WorkersStatus | null }

const SocketContext = createContext<SocketContextValue>({ socket: null, status: 'connecting', workers: null })

/** Failed reconnection attempts after which the indicator says "Offline" instead of "Reconnecting…". */
const OFFLINE_AFTER_ATTEMPTS = 3
/** When the server refused the connection (signed out, origin), how long before asking again. */
const REFUSED_RETRY_MS = 15_000

export const REVOKED_LOGIN_PATH = '/login?reason=revoked'

export function SocketProvider({ children, enabled = true }: { children: ReactNode; enabled?: boolean }) {
  const [socket, setSocket] = useState<AppSocket | null>(null)
  const [status, setStatus] = useState<SocketStatus>('connecting')
  const [workers, setWorkers] = useState<WorkersStatus | null>(null)

  useEffect(() => {
    if (!enabled) {
      setStatus('offline')
      return
    }
    const client: AppSocket = io({
      path: SOCKET_PATH,
      withCredentials: true,
      transports: ['websocket', 'polling'],
      // Fall back to long-polling when a proxy blocks websockets.
      tryAllTransports: true,
    })
    let failedAttempts = 0
    let retry: ReturnType<typeof setTimeout> | undefined
    let revoked = false

    const onConnect = () => {
      failedAttempts = 0
      setStatus('live')
    }
    const onDisconnect = (reason: Socket.DisconnectReason) => {
      if (reason === 'io client disconnect') return setStatus('offline')
      // "io server disconnect": the server ended this socket on purpose and the client will not retry by itself;
      // unless the session was revoked (we are leaving), ask again — a new session check decides.
      if (reason === 'io server disconnect' && !revoked) {
        clearTimeout(retry)
        retry = setTimeout(() => client.connect(), 1_000)
      }
      setStatus(revoked ? 'offline' : 'connecting')
    }
    const onConnectError = () => {
      if (!client.active) {
        // Refused by the server's middleware (no valid session, foreign origin): no automatic retry.
        setStatus('offline')
        clearTimeout(retry)
        retry = setTimeout(() => client.connect(), REFUSED_RETRY_MS)
        return
      }
      failedAttempts++
      setStatus(failedAttempts >= OFFLINE_AFTER_ATTEMPTS || !navigator.onLine ? 'offline' : 'connecting')
    }
    const onRevoked = () => {
      revoked = true
      client.disconnect()
      // A full page load, not a client-side navigation: nothing from the ended session stays in memory.
      window.location.assign(REVOKED_LOGIN_PATH)
    }
    const onWorkers = (payload: WorkersStatus) => setWorkers(payload)
    const onBrowserOffline = () => setStatus('offline')

    client.on('connect', onConnect)
    client.on('disconnect', onDisconnect)
    client.on('connect_error', onConnectError)
    client.on('session.revoked', onRevoked)
    client.on('workers.status', onWorkers)
    window.addEventListener('offline', onBrowserOffline)
    setSocket(client)

    return () => {
      clearTimeout(retry)
      window.removeEventListener('offline', onBrowserOffline)
      client.removeAllListeners()
      client.disconnect()
      setSocket(null)
    }
  }, [enabled])

  return <SocketContext.Provider value={{ socket, status, workers }}>{children}</SocketContext.Provider>
}

/** The tab's socket, or null before it is created (server render, signed out). */
export function useSocket() {
  return useContext(SocketContext).socket
}

export function useSocketStatus(): SocketStatus {
  return useContext(SocketContext).status
}

/** The latest `workers.status` the server pushed, or null before the first one. */
export function useWorkersStatus() {
  return useContext(SocketContext).workers
}

/**
 * Calls `handler` for each `event` from the server while the component is mounted. The handler may change on every
 * render without resubscribing (kept in a ref).
 */
export function useSocketEvent<Event extends keyof ServerToClientEvents>(event: Event, handler: ServerToClientEvents[Event]) {
  const socket = useSocket()
  const latest = useRef(handler)
  useEffect(() => {
    latest.current = handler
  })
  useEffect(() => {
    if (!socket) return
    const listener = ((...args: Parameters<ServerToClientEvents[Event]>) =>
      (latest.current as (...args: Parameters<ServerToClientEvents[Event]>) => void)(...args)) as never
    socket.on(event, listener)
    return () => {
      socket.off(event, listener)
    }
  }, [socket, event])
}
