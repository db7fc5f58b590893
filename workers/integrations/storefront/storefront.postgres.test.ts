import { startSandbox, type TestSandbox } from '#test/helpers/sandbox.ts'

/** The engine cases (engine-cases.ts) with BullMQ on its PostgreSQL backend (no REDIS_URL), as `npm start` runs it. */
const sandbox: TestSandbox = await startSandbox()
delete process.env.REDIS_URL
process.env.SANDBOX_URL = sandbox.url
process.env.PROVIDER_API_KEY = sandbox.apiKey
process.env.BREAKER_FAILURE_THRESHOLD = '3'
process.env.BREAKER_COOLDOWN_SECONDS = '1'
process.env.PROVIDER_TIMEOUT_MS = '2000'

const { defineEngineTests } = await import('./engine-cases.ts')
await defineEngineTests(sandbox)
