import { PrismaPg } from '@prisma/adapter-pg'
import { PrismaClient, type Prisma } from '#app/generated/prisma/client.ts'
import { getEnv } from './env.server.ts'
import { singleton } from './singleton.server.ts'

export type { Prisma }

/**
 * The process's Prisma client (WebAssembly query compiler + node-postgres driver adapter; see
 * docs/decisions/0002-prisma-offline.md). One pool per process, sized by DATABASE_POOL_SIZE.
 */
export const prisma = singleton('prisma', () => {
  const env = getEnv()
  return new PrismaClient({
    adapter: new PrismaPg({ connectionString: env.DATABASE_URL, max: env.DATABASE_POOL_SIZE }),
  })
})

/** The client or a transaction's client: model functions that take part in a caller's transaction accept either. */
export type Db = typeof prisma | Prisma.TransactionClient
