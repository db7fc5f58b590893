#!/usr/bin/env node
// Writes a new migration from the change to prisma/schema.prisma since a git revision (default HEAD):
//   node scripts/new-migration.mjs <name> [--from <rev>]
// `prisma migrate dev` cannot run offline here (docs/decisions/0002-prisma-offline.md), so this diffs the previous
// schema against the current one with `prisma migrate diff`, which needs a reachable (empty) database for its
// adapter: a scratch database is created and dropped around the call. Add hand-written SQL (CHECKs, trigram or
// partial indexes, triggers) at the end of the generated file, then `npm run db:migrate`.
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import pg from 'pg'

const [name, ...rest] = process.argv.slice(2)
if (!name || !/^[a-z0-9_]+$/.test(name)) {
  console.error('usage: node scripts/new-migration.mjs <name: lower_snake_case> [--from <git rev>]')
  process.exit(2)
}
const fromIndex = rest.indexOf('--from')
const fromRev = fromIndex >= 0 ? rest[fromIndex + 1] : 'HEAD'

const previous = path.join(mkdtempSync(path.join(tmpdir(), 'opsdeck-schema-')), 'schema.prisma')
writeFileSync(previous, execFileSync('git', ['show', `${fromRev}:prisma/schema.prisma`]))

const adminUrl = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres'
const scratch = `opsdeck_diff_${process.pid}`
const admin = new pg.Client({ connectionString: adminUrl })
await admin.connect()
await admin.query(`create database "${scratch}"`)
try {
  const url = new URL(adminUrl)
  url.pathname = `/${scratch}`
  const sql = execFileSync(
    'npx',
    ['prisma', 'migrate', 'diff', '--from-schema-datamodel', previous, '--to-schema-datamodel', 'prisma/schema.prisma', '--script'],
    { env: { ...process.env, DATABASE_URL: url.toString() }, stdio: ['ignore', 'pipe', 'inherit'] },
  ).toString()
  const stamp = nextStamp(new Date())
  const dir = path.join('prisma', 'migrations', `${stamp}_${name}`)
  mkdirSync(dir, { recursive: true })
  writeFileSync(path.join(dir, 'migration.sql'), sql.trim() ? sql : '-- (no schema change: hand-written SQL only)\n')
  console.log(`wrote ${dir}/migration.sql`)
} finally {
  await admin.query(`drop database if exists "${scratch}" with (force)`)
  await admin.end()
}

/**
 * The folder's timestamp: now, or one second after the newest existing migration when that one is named later than
 * now (folders were once named ahead of the clock). Migrations apply in name order, so a new one must sort last.
 */
function nextStamp(now) {
  const toStamp = (date) => date.toISOString().replace(/\D/g, '').slice(0, 14)
  const newest = readdirSync(path.join('prisma', 'migrations'))
    .map((entry) => entry.slice(0, 14))
    .filter((prefix) => /^\d{14}$/.test(prefix))
    .sort()
    .at(-1)
  if (!newest || newest < toStamp(now)) return toStamp(now)
  const [, y, mo, d, h, mi, se] = newest.match(/^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/)
  return toStamp(new Date(Date.UTC(+y, +mo - 1, +d, +h, +mi, +se) + 1000))
}
