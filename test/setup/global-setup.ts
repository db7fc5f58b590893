import pg from 'pg'
import { ADMIN_URL, ensureTemplate } from './test-db.ts'

/** Browser and multi-process tests boot many real web/worker processes at once; fewer connections fail at random. */
const MIN_CONNECTIONS = 300

export default async function setup() {
  const client = new pg.Client({ connectionString: ADMIN_URL })
  await client.connect()
  try {
    const { rows } = await client.query<{ max_connections: string }>('show max_connections')
    const max = Number(rows[0]!.max_connections)
    if (max < MIN_CONNECTIONS) {
      throw new Error(
        `The test PostgreSQL allows ${max} connections; the suite needs ${MIN_CONNECTIONS} (many real processes run at once). ` +
          `Run: psql -c 'ALTER SYSTEM SET max_connections = ${MIN_CONNECTIONS}' and restart PostgreSQL (.ci/run does this).`,
      )
    }
  } finally {
    await client.end()
  }
  await ensureTemplate()
}
