import { expect, test } from 'vitest'
import { prisma } from './db.server.ts'

test('each test file has its own migrated database', async () => {
  const [row] = await prisma.$queryRaw<{ db: string }[]>`select current_database()::text as db`
  expect(row!.db).toMatch(/^opsdeck_t_/)
  expect(row!.db).toBe(new URL(process.env.DATABASE_URL!).pathname.slice(1))
})
