import path from 'node:path'
import { PrismaPg } from '@prisma/adapter-pg'
import pg from 'pg'
import { defineConfig } from 'prisma/config'

// `prisma generate` reads `env("DATABASE_URL")` from the schema; it never connects, so a local default is enough.
process.env.DATABASE_URL ??= 'postgresql://postgres@127.0.0.1:5432/opsdeck'

const PG_NAME_OID = 19
const PG_TEXT_OID = 25

/**
 * NOTE: the WebAssembly schema engine cannot deserialize catalog columns of Postgres type `name` (OID 19), which
 * `@prisma/adapter-pg` does not map, so `migrate deploy` fails with "Column type 'name' could not be deserialized"
 * (https://github.com/prisma/prisma/issues/27403). Reporting those columns as `text` makes it work. This pool is
 * used by the CLI only; the application's client never sees it.
 */
function cliPool(connectionString: string) {
  const pool = new pg.Pool({ connectionString, max: 2 })
  pool.on('connect', (client) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown
    const relabel = (result: pg.QueryResult | undefined) => {
      for (const field of result?.fields ?? []) if (field.dataTypeID === PG_NAME_OID) field.dataTypeID = PG_TEXT_OID
      return result
    }
    ;(client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      const last = args.at(-1)
      if (typeof last === 'function') {
        return query(...args.slice(0, -1), (error: Error | null, result?: pg.QueryResult) => last(error, relabel(result)))
      }
      const pending = query(...args)
      return pending instanceof Promise ? pending.then(relabel) : pending
    }
  })
  return pool
}

/**
 * NOTE: `@prisma/adapter-pg` 6.19 runs a migration script by splitting it on every `;`, which breaks dollar-quoted
 * function bodies (triggers, CHECK helpers). Postgres runs a multi-statement script sent as one simple query, in one
 * implicit transaction, so each migration is applied whole or not at all.
 */
class CliAdapterFactory extends PrismaPg {
  override async connect() {
    const adapter = await super.connect()
    const driver = adapter.underlyingDriver() as pg.Pool
    const onError = (adapter as unknown as { onError(error: unknown): never }).onError.bind(adapter)
    adapter.executeScript = async (script: string) => {
      try {
        await driver.query(script)
      } catch (error) {
        onError(error)
      }
    }
    return adapter
  }
}

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: path.join('prisma', 'schema.prisma'),
  migrations: { path: path.join('prisma', 'migrations') },
  adapter: async () => new CliAdapterFactory(cliPool(process.env.DATABASE_URL!)),
})
