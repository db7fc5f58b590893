import { PrismaPg } from '@prisma/adapter-pg'
import pg from 'pg'
import { PrismaClient, type Prisma } from '#app/generated/prisma/client.ts'
import { instrumentPgClient } from '#app/metrics/pg.server.ts'
import { getEnv } from './env.server.ts'
import { singleton } from './singleton.server.ts'

export type { Prisma }

/**
 * The process's PostgreSQL pool (node-postgres), sized by DATABASE_POOL_SIZE. Prisma runs on it; `pgPool.query`
 * directly is for the few hot paths where Prisma's per-call cost (query compiler, argument serialisation) outweighs
 * the SQL itself — the sync engine's batched writes (bench/sync-throughput). Everything else goes through `prisma`.
 */
export const pgPool = singleton('pg-pool', () => {
  const env = getEnv()
  const pool = new pg.Pool({ connectionString: env.DATABASE_URL, max: env.DATABASE_POOL_SIZE })
  // An idle connection the server ended (restart, failover, pg_terminate_backend) must not crash the process: the
  // pool drops it and opens a new one on the next query (which fails loudly if the database is really gone).
  pool.on('error', () => {})
  // Query time of every connection (Prisma and raw SQL alike): the `db_query_duration_seconds` metric.
  pool.on('connect', (client) => instrumentPgClient(client))
  return pool
})

/**
 * The process's Prisma client (WebAssembly query compiler + node-postgres driver adapter on `pgPool`; see
 * docs/decisions/0002-prisma-offline.md). `prisma.$disconnect()` ends the pool too.
 */
export const prisma = singleton('prisma', () => new PrismaClient({ adapter: new PrismaPg(pgPool, { disposeExternalPool: true }) }))

/** The client or a transaction's client: model functions that take part in a caller's transaction accept either. */
export type Db = typeof prisma | Prisma.TransactionClient
