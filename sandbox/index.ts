/**
 * The sandbox entry: `node --import tsx sandbox/index.ts`. Listens on 127.0.0.1:SANDBOX_PORT (0 = a random free port),
 * prints its URL, generates SANDBOX_ORDERS_PER_MINUTE storefront orders and sends webhooks to SANDBOX_WEBHOOK_URL.
 * With SANDBOX_STATE_FILE its state survives a restart (loaded on start, saved every few seconds and on stop).
 * Stops on SIGTERM/SIGINT.
 */
import type { AddressInfo } from 'node:net'
import { getSandboxEnvOrExit } from '#app/utils/env.server.ts'
import { createSandboxServer, PROVIDERS } from './server.ts'

const env = getSandboxEnvOrExit()

const server = createSandboxServer({
  apiKey: env.PROVIDER_API_KEY,
  webhookSecret: env.WEBHOOK_SECRET,
  webhookUrl: env.SANDBOX_WEBHOOK_URL,
  ordersPerMinute: env.SANDBOX_ORDERS_PER_MINUTE,
  seed: env.SANDBOX_SEED,
  stateFile: env.SANDBOX_STATE_FILE,
})
server.on('error', (error) => {
  console.error(`sandbox could not listen on port ${env.SANDBOX_PORT}: ${error.message}`)
  process.exit(1)
})
server.listen(env.SANDBOX_PORT, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo
  console.log(`sandbox listening on http://127.0.0.1:${port} (providers: ${PROVIDERS.join(', ')})`)
  if (env.LOG_LEVEL !== 'silent') {
    console.log(`sandbox: ${env.SANDBOX_ORDERS_PER_MINUTE} orders/min, seed ${env.SANDBOX_SEED}, webhooks to ${env.SANDBOX_WEBHOOK_URL}/<provider>`)
    console.log(`sandbox: state ${env.SANDBOX_STATE_FILE ? `kept in ${env.SANDBOX_STATE_FILE}` : 'in memory only (SANDBOX_STATE_FILE unset)'}`)
  }
})

function stop() {
  server.close(() => process.exit(0))
  server.closeAllConnections()
}
process.once('SIGTERM', stop)
process.once('SIGINT', stop)
if (process.send) process.once('disconnect', stop)
