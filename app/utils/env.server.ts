import { z } from 'zod'

/**
 * All configuration, parsed once. Nothing else reads `process.env` (STYLE.md habit 7).
 * `npm start` fills DATABASE_URL (embedded Postgres) and SESSION_SECRET (kept in .data/) when they are unset.
 */

const booleanString = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
  .transform((value) => ['true', '1', 'yes'].includes(value))

const postgresUrl = z
  .string({ required_error: 'required (`npm start` runs an embedded PostgreSQL when it is unset)' })
  .url({ message: 'must be a URL such as postgresql://user:pass@host:5432/db' })
  .refine((value) => /^postgres(ql)?:\/\//.test(value), { message: 'must start with postgresql://' })

const redisUrl = z
  .string()
  .url({ message: 'must be a URL such as redis://127.0.0.1:6379' })
  .refine((value) => /^rediss?:\/\//.test(value), { message: 'must start with redis:// or rediss://' })

const port = (fallback: number) =>
  z.coerce.number({ message: 'must be a number' }).int().min(0).max(65535).default(fallback)

const httpUrl = z.string().url({ message: 'must be an http(s) URL' })

const EnvFields = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  DATABASE_URL: postgresUrl,
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  /** Unset: BullMQ runs on its PostgreSQL backend and Socket.IO on its in-memory adapter (one web node). */
  REDIS_URL: redisUrl.optional(),
  /** Prefix for every BullMQ queue and Redis key this deployment owns (tests use one per file). */
  QUEUE_PREFIX: z
    .string()
    .regex(/^[a-z0-9_-]+$/i, 'letters, digits, - and _ only')
    .default('opsdeck'),

  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: port(3000),
  /** The URL people use to reach the console; decides the allowed Origin, Secure cookies and HSTS. */
  PUBLIC_URL: httpUrl.optional(),
  /** Extra origins allowed to send non-GET requests (comma-separated), e.g. a second hostname. */
  ALLOWED_ORIGINS: z.string().default(''),
  /**
   * Which `X-Forwarded-*` hops to believe (express `trust proxy`): `false` (none; the peer is the client), a number of
   * proxies in front of the app (`1` behind one load balancer), or a comma-separated list of proxy addresses/CIDRs.
   * Never "trust everything": the client could then choose its own IP and defeat per-IP sign-in throttling.
   */
  TRUST_PROXY: z
    .string()
    .default('false')
    .transform((value, context): false | number | string[] => {
      if (value === 'false' || value === '0') return false
      if (/^\d+$/.test(value)) return Number(value)
      const addresses = splitList(value)
      if (value === 'true' || addresses.length === 0 || addresses.some((address) => !/^[0-9a-f.:/]+$/i.test(address))) {
        context.addIssue({
          code: z.ZodIssueCode.custom,
          message: 'must be false, a number of proxy hops (e.g. 1), or proxy addresses/CIDRs (e.g. 10.0.0.0/8)',
        })
        return z.NEVER
      }
      return addresses
    }),

  SESSION_SECRET: z
    .string({ required_error: 'required (`npm start` generates one into .data/ when it is unset)' })
    .min(32, 'must be at least 32 characters (e.g. `openssl rand -hex 32`)'),
  SESSION_IDLE_MINUTES: z.coerce.number().int().min(1).default(120),
  SESSION_ABSOLUTE_HOURS: z.coerce.number().int().min(1).default(24),
  SIGNIN_MAX_ATTEMPTS_PER_ACCOUNT: z.coerce.number().int().min(1).default(5),
  SIGNIN_MAX_ATTEMPTS_PER_IP: z.coerce.number().int().min(1).default(30),
  SIGNIN_WINDOW_MINUTES: z.coerce.number().int().min(1).default(15),

  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(200).default(5),
  HEARTBEAT_SECONDS: z.coerce.number().int().min(1).max(3600).default(10),
  /**
   * A job's lock: a worker that dies (SIGKILL, lost machine) stops renewing it, and after this long its active jobs
   * are handed to another worker (BullMQ's stalled-job check runs at the same interval).
   */
  WORKER_LOCK_SECONDS: z.coerce.number().int().min(1).max(600).default(30),
  /**
   * Where finished CSV exports are kept (7 days) for download; the worker writes, the web process reads, so both must
   * see the same directory. Unset: a folder under the OS temp directory (one machine only).
   */
  EXPORT_DIR: z.string().min(1).optional(),

  SANDBOX_PORT: port(4010),
  SANDBOX_URL: httpUrl.optional(),
  STOREFRONT_URL: httpUrl.optional(),
  PAYMENTS_URL: httpUrl.optional(),
  CARRIER_URL: httpUrl.optional(),
  WAREHOUSE_URL: httpUrl.optional(),
  HELPDESK_URL: httpUrl.optional(),
  PROVIDER_API_KEY: z.string().min(8).default('sandbox-api-key'),
  WEBHOOK_SECRET: z.string().min(16).default('sandbox-webhook-secret'),
  /** Where the sandbox delivers its webhooks (default http://127.0.0.1:$PORT/webhooks, the web process). */
  SANDBOX_WEBHOOK_URL: httpUrl.optional(),
  /** New storefront orders the sandbox creates per minute (0 = only on request through its control API). */
  SANDBOX_ORDERS_PER_MINUTE: z.coerce.number({ message: 'must be a number' }).min(0).max(6000).default(6),
  /** Seed of the sandbox's generated data (same seed → same customers, catalogue and orders). */
  SANDBOX_SEED: z.coerce.number({ message: 'must be a number' }).int().default(1),
  /** JSON file the sandbox keeps its providers' state in across restarts (unset = in memory only). */
  SANDBOX_STATE_FILE: z.string().optional(),

  /** Incremental pull (by cursor) of every integration, every N seconds. */
  SYNC_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(86_400).default(15),
  /** Reconciliation (full comparison over a recent window, repairs dropped webhooks), every N seconds. */
  RECONCILE_INTERVAL_SECONDS: z.coerce.number().int().min(5).max(86_400).default(300),
  /** One provider call gives up after this long (counts as a retryable failure). */
  PROVIDER_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  /** Consecutive retryable failures that open an integration's circuit breaker. */
  BREAKER_FAILURE_THRESHOLD: z.coerce.number().int().min(1).max(1000).default(5),
  /** First wait before probing an open breaker; doubles after each failed probe, up to 5 minutes. */
  BREAKER_COOLDOWN_SECONDS: z.coerce.number().int().min(1).max(3600).default(10),

  /** Live metrics (issue 7): record this process's HTTP/DB/job/event-loop figures (false: only benchmarks turn it off). */
  METRICS_RECORDING: booleanString.default('true'),
  /** Bearer token for GET /metrics (Prometheus). Unset or empty: /metrics answers 404 (never open without a token). */
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters (e.g. `openssl rand -hex 24`)').optional(),
  /** Minute rollups (MetricRollup) older than this many days are deleted by the worker, hourly. */
  METRICS_RETENTION_DAYS: z.coerce.number({ message: 'must be a number' }).int().min(1).max(3650).default(30),
  /**
   * How often the worker evaluates every enabled alert rule (app/queues/alerts.server.ts). Rules read complete minutes
   * of rollups, so a tick more often than a few seconds re-reads the same minute for nothing, and one rarer than a
   * minute delays every alert by up to that long.
   */
  ALERTS_EVALUATION_SECONDS: z.coerce
    .number({ message: 'must be a whole number of seconds between 1 and 300' })
    .int('must be a whole number of seconds between 1 and 300')
    .min(1, 'must be a whole number of seconds between 1 and 300')
    .max(300, 'must be a whole number of seconds between 1 and 300')
    .default(10),

})

const SANDBOX_CREDENTIALS = { PROVIDER_API_KEY: 'sandbox-api-key', WEBHOOK_SECRET: 'sandbox-webhook-secret' } as const

const EnvSchema = EnvFields.superRefine((raw, context) => {
  // The sandbox's well-known credentials are fine on a laptop and never acceptable in production.
  if (raw.NODE_ENV !== 'production') return
  for (const [name, value] of Object.entries(SANDBOX_CREDENTIALS)) {
    if (raw[name as keyof typeof SANDBOX_CREDENTIALS] === value) {
      context.addIssue({
        code: z.ZodIssueCode.custom,
        path: [name],
        message: 'must be set to a real secret when NODE_ENV=production',
      })
    }
  }
}).transform((raw) => {
  const publicUrl = raw.PUBLIC_URL ?? `http://localhost:${raw.PORT}`
  const sandboxUrl = raw.SANDBOX_URL ?? `http://127.0.0.1:${raw.SANDBOX_PORT}`
  const local = [`http://localhost:${raw.PORT}`, `http://127.0.0.1:${raw.PORT}`]
  return {
    ...raw,
    PUBLIC_URL: publicUrl,
    SECURE_COOKIES: publicUrl.startsWith('https://'),
    ALLOWED_ORIGINS: [
      ...new Set([new URL(publicUrl).origin, ...(raw.PUBLIC_URL ? [] : local), ...splitList(raw.ALLOWED_ORIGINS)]),
    ],
    SANDBOX_URL: sandboxUrl,
    PROVIDER_URLS: {
      storefront: raw.STOREFRONT_URL ?? `${sandboxUrl}/storefront`,
      payments: raw.PAYMENTS_URL ?? `${sandboxUrl}/payments`,
      carrier: raw.CARRIER_URL ?? `${sandboxUrl}/carrier`,
      warehouse: raw.WAREHOUSE_URL ?? `${sandboxUrl}/warehouse`,
      helpdesk: raw.HELPDESK_URL ?? `${sandboxUrl}/helpdesk`,
    },
  }
})

export type Env = z.infer<typeof EnvSchema>

function splitList(value: string) {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)
}

export class InvalidEnvError extends Error {
  constructor(readonly issues: string[]) {
    super(
      `Invalid configuration:\n${issues
        .map((issue) => `  - ${issue}`)
        .join('\n')}\nSee .env.example for every variable.`,
    )
    this.name = 'InvalidEnvError'
  }
}

/** Parses a variable map; throws an `InvalidEnvError` naming each bad variable. Exported for tests. */
export function parseEnv(source: Record<string, string | undefined>): Env {
  return parseWith(EnvSchema, source)
}

/**
 * The sandbox (the simulated providers) needs only its own port and credentials, not the console's database or
 * session secret, so it can run on its own.
 */
const SandboxEnvSchema = EnvFields.pick({
  LOG_LEVEL: true,
  PORT: true,
  SANDBOX_PORT: true,
  PROVIDER_API_KEY: true,
  WEBHOOK_SECRET: true,
  SANDBOX_WEBHOOK_URL: true,
  SANDBOX_ORDERS_PER_MINUTE: true,
  SANDBOX_SEED: true,
  SANDBOX_STATE_FILE: true,
}).transform((raw) => ({
  ...raw,
  SANDBOX_WEBHOOK_URL: raw.SANDBOX_WEBHOOK_URL ?? `http://127.0.0.1:${raw.PORT}/webhooks`,
}))
export type SandboxEnv = z.infer<typeof SandboxEnvSchema>

function parseWith<Schema extends z.ZodTypeAny>(
  schema: Schema,
  source: Record<string, string | undefined>,
): z.infer<Schema> {
  // An empty string means "unset", as in most shells' `FOO= cmd`.
  const defined = Object.fromEntries(Object.entries(source).filter(([, value]) => value !== undefined && value !== ''))
  const result = schema.safeParse(defined)
  if (result.success) return result.data
  throw new InvalidEnvError(
    result.error.issues.map((issue) => {
      const name = issue.path.join('.')
      const got = name in defined ? ` (got ${JSON.stringify(redact(name, defined[name]))})` : ' (not set)'
      return `${name}: ${issue.message}${got}`
    }),
  )
}

function redact(name: string, value: string | undefined) {
  if (!value) return value
  if (/SECRET|TOKEN|KEY|PASSWORD/.test(name)) return '[redacted]'
  try {
    const url = new URL(value)
    if (url.password) url.password = '****'
    return url.toString()
  } catch {
    return value
  }
}

let parsed: Env | undefined

/** The process's configuration, parsed on first use. */
export function getEnv(): Env {
  parsed ??= parseEnv(process.env)
  return parsed
}

/**
 * For process entries: the configuration, or the readable message naming each bad variable on stderr and exit
 * code 1 — never a stack trace. The web and worker entries import `#app/utils/env-check.server.ts` first, which calls
 * this before any other module reads the configuration.
 */
export function getEnvOrExit(): Env {
  return orExit(getEnv)
}

/** The sandbox's own configuration (see SandboxEnvSchema), or a readable message and exit code 1. */
export function getSandboxEnvOrExit(): SandboxEnv {
  return orExit(() => parseWith(SandboxEnvSchema, process.env))
}

function orExit<T>(read: () => T): T {
  try {
    return read()
  } catch (error) {
    if (!(error instanceof InvalidEnvError)) throw error
    console.error(error.message)
    process.exit(1)
  }
}
