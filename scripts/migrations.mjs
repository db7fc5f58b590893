/**
 * Applies the committed Prisma migrations (`prisma migrate deploy`, offline through prisma.config.ts), skipping the
 * CLI when the database already has every migration: the WebAssembly CLI takes ~12 s even when nothing is pending,
 * which would dominate every warm `npm start`. Used by scripts/start.mjs and scripts/migrate.ts (`npm run db:migrate`).
 */
import { spawn } from 'node:child_process'
import { readdirSync } from 'node:fs'
import path from 'node:path'
import readline from 'node:readline'
import { fileURLToPath } from 'node:url'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

/** Migration folder names not yet applied, or null when that cannot be told (let Prisma decide). */
export async function pendingMigrations(databaseUrl) {
  const folders = readdirSync(path.join(ROOT, 'prisma', 'migrations'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
  let client
  try {
    const { default: pg } = await import('pg')
    client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5_000 })
    await client.connect()
    const table = await client.query(`select to_regclass('_prisma_migrations')::text as name`)
    if (!table.rows[0].name) return folders
    const { rows } = await client.query(
      'select migration_name from _prisma_migrations where finished_at is not null and rolled_back_at is null',
    )
    const applied = new Set(rows.map((row) => row.migration_name))
    return folders.filter((folder) => !applied.has(folder))
  } catch {
    return null
  } finally {
    await client?.end().catch(() => {})
  }
}

/** Brings the database at env.DATABASE_URL up to date. Throws when Prisma fails. */
export async function applyMigrations(env = process.env, log = console.log) {
  const pending = await pendingMigrations(env.DATABASE_URL)
  if (pending && pending.length === 0) {
    log('migrations: database is up to date')
    return
  }
  log(pending ? `migrations: applying ${pending.join(', ')}` : 'migrations: running prisma migrate deploy')
  await run(path.join(ROOT, 'node_modules', '.bin', 'prisma'), ['migrate', 'deploy'], env, log)
}

/** Runs a command to completion, passing each output line to `log`; rejects on a non-zero exit. */
export function run(command, args, env, log = console.log) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
    for (const stream of [child.stdout, child.stderr]) readline.createInterface({ input: stream }).on('line', (line) => line.trim() && log(line))
    child.on('error', reject)
    child.on('exit', (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`${path.basename(command)} ${args.join(' ')} failed (exit ${code ?? signal})`)),
    )
  })
}
