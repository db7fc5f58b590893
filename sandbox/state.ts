import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs'
import path from 'node:path'
import { z } from 'zod'

/**
 * The sandbox's state file (option `stateFile`, env SANDBOX_STATE_FILE): every provider's records and counters, the
 * idempotency store and the effects log, so a restart continues where the last run stopped — as a real provider's
 * data would. Not kept: faults, stats, the request log, webhook deliveries and queued or held webhooks.
 *
 * Each part of the server gives its own `snapshot()` (plain JSON: Maps as arrays, timestamps as ISO strings) and
 * `restore(data)`, which validates its part and throws if it does not fit; the server then starts fresh.
 */

export const STATE_VERSION = 1

/** A record as stored: only what lists and maps key on is checked; the rest is kept as it was written. */
export const StoredRecord = z.object({ id: z.string().min(1), updated_at: z.string() }).passthrough()

const StateFileSchema = z.object({
  version: z.literal(STATE_VERSION),
  savedAt: z.string(),
  /** Runs that have loaded this file before; the simulation's randomness is re-seeded with it so each run differs. */
  restarts: z.number().int().min(0),
  parts: z.record(z.unknown()),
})
export type StateFile = z.infer<typeof StateFileSchema>

/**
 * Reads the state file. A missing file is a fresh start (null, silently); a file that cannot be read, is not JSON or
 * is not a state file is a fresh start too, with a warning — the sandbox never refuses to start over its state.
 */
export function loadStateFile(file: string, warn: (message: string) => void): StateFile | null {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
    warn(`sandbox: cannot read state file ${file} (${(error as Error).message}); starting from a fresh seed`)
    return null
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    warn(`sandbox: state file ${file} is not valid JSON (${(error as Error).message.replace(/\s+/g, ' ')}); starting from a fresh seed`)
    return null
  }
  const parsed = StateFileSchema.safeParse(json)
  if (!parsed.success) {
    const version = (json as { version?: unknown } | null)?.version
    const why = version !== undefined && version !== STATE_VERSION ? `version ${JSON.stringify(version)}, expected ${STATE_VERSION}` : parsed.error.issues[0]?.message
    warn(`sandbox: state file ${file} is not a sandbox state file (${why}); starting from a fresh seed`)
    return null
  }
  return parsed.data
}

/**
 * Writes the state atomically: a temp file beside it (written and fsynced), then renamed over it, so a crash leaves
 * either the old file or the new one, never half of one. Synchronous, so close() can save before it returns.
 */
export function writeStateFile(file: string, state: StateFile) {
  mkdirSync(path.dirname(file), { recursive: true })
  const temp = `${file}.${process.pid}.tmp`
  try {
    const fd = openSync(temp, 'w')
    try {
      writeSync(fd, JSON.stringify(state))
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    renameSync(temp, file)
  } catch (error) {
    rmSync(temp, { force: true })
    throw error
  }
}
