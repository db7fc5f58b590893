import { startSandbox, type TestSandbox } from '#test/helpers/sandbox.ts'

/** The engine cases (engine-cases.ts) with BullMQ on the machine's Redis under this file's prefix. */
const sandbox: TestSandbox = await startSandbox()
process.env.REDIS_URL = process.env.TEST_REDIS_URL
process.env.SANDBOX_URL = sandbox.url
process.env.PROVIDER_API_KEY = sandbox.apiKey
process.env.BREAKER_FAILURE_THRESHOLD = '3'
process.env.BREAKER_COOLDOWN_SECONDS = '1'
process.env.PROVIDER_TIMEOUT_MS = '2000'

const { defineEngineTests } = await import('./engine-cases.ts')
await defineEngineTests(sandbox)
