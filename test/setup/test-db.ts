import { execFile } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { promisify } from 'node:util'
import pg from 'pg'

/**
 * Test databases. The suite migrates one template database per migration set (global setup); every test file,
 * and every server a browser test boots, gets its own copy (`CREATE DATABASE … TEMPLATE`, ~100 ms) that is dropped
 * afterwards. Runs against the machine's Postgres (TEST_DATABASE_URL, default the local trust-auth server).
 */

const run = promisify(execFile)

export const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres'
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'

export function databaseUrl(name: string) {
  const url = new URL(ADMIN_URL)
  url.pathname = `/${name}`
  return url.toString()
}

export function templateName() {
  const dir = path.resolve('prisma/migrations')
  const hash = createHash('sha256')
  for (const entry of readdirSync(dir).sort()) {
    if (entry.endsWith('.toml')) continue
    hash.update(entry).update(readFileSync(path.join(dir, entry, 'migration.sql')))
  }
  return `opsdeck_tpl_${hash.digest('hex').slice(0, 12)}`
}

async function withAdmin<T>(work: (client: pg.Client) => Promise<T>) {
  const client = new pg.Client({ connectionString: ADMIN_URL })
  await client.connect()
  try {
    return await work(client)
  } finally {
    await client.end()
  }
}

/** Creates (once) the migrated template database. */
export async function ensureTemplate() {
  const name = templateName()
  const exists = await withAdmin(async (client) => {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [name])
    return rowCount === 1
  })
  if (exists) return name
  const building = `${name}_build_${randomBytes(3).toString('hex')}`
  await withAdmin((client) => client.query(`create database "${building}"`))
  await run('npx', ['prisma', 'migrate', 'deploy'], { env: { ...process.env, DATABASE_URL: databaseUrl(building) } })
  // Renamed only when complete, so a crashed build never leaves a half-migrated template behind.
  await withAdmin(async (client) => {
    await client.query(`alter database "${building}" rename to "${name}"`).catch(async (error: { code?: string }) => {
      if (error.code !== '42P04') throw error // another run finished first
      await client.query(`drop database "${building}"`)
    })
  })
  return name
}

/** A fresh, migrated database for one test file or one booted server. */
export async function createTestDatabase(label = 'file') {
  const name = `opsdeck_t_${label.replace(/[^a-z0-9]/gi, '').slice(0, 20).toLowerCase()}_${randomBytes(4).toString('hex')}`
  await withAdmin((client) => client.query(`create database "${name}" template "${templateName()}"`))
  return {
    name,
    url: databaseUrl(name),
    drop: () => withAdmin((client) => client.query(`drop database if exists "${name}" with (force)`)),
  }
}

/** A key prefix no other test file shares, for BullMQ queues and Redis keys. */
export function uniquePrefix(label = 't') {
  return `${label}_${randomBytes(4).toString('hex')}`
}
