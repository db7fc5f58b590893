import { once } from 'node:events'
import { createWriteStream } from 'node:fs'
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises'
import path from 'node:path'
import {
  expireExportFiles,
  EXPORT_RETENTION_MS,
  exportDirectory,
  getOrderExportRows,
  ORDER_EXPORT_HEADER,
  resetExportProgress,
  updateExportProgress,
  type BulkOperationToRun,
} from '#app/models/bulk-operation.server.ts'
import { hasPermission } from '#app/utils/permissions.ts'
import { UnrecoverableError } from 'bullmq'
import { csvRow, csvRows } from './csv.ts'
import { selectionChunks } from './actions.ts'

/** Ids per read (one keyset page + one row fetch each): ~1.5 MB of CSV text at a time. */
export const EXPORT_BATCH = 5_000
/** Progress is written (and pushed) at most this often. */
const PROGRESS_EVERY_MS = 500

/**
 * Streams the selection to `<exportDirectory>/<operationId>.csv` in constant memory: 1,000 ids at a time (keyset),
 * their rows, CSV text written with backpressure (awaits 'drain'), then an atomic rename of the `.part` file. A retry
 * starts the file again from the top (counters reset). Returns the file's path and size, or 'cancelled'.
 */
export async function runExport(operation: BulkOperationToRun): Promise<{ filePath: string; fileBytes: number } | 'cancelled'> {
  const actor = operation.actor
  if (!actor) throw new UnrecoverableError('The person who started this export no longer has an active account.')
  if (!hasPermission(actor.role, 'read:order')) throw new UnrecoverableError(`Their role (${actor.role}) may no longer read orders.`)

  const directory = exportDirectory()
  await mkdir(directory, { recursive: true })
  await pruneExports(directory)
  const filePath = path.join(directory, `${operation.id}.csv`)
  const partPath = `${filePath}.part`
  await resetExportProgress(operation.id)

  const out = createWriteStream(partPath, { flags: 'w', highWaterMark: 256 * 1024 })
  let failure: Error | undefined
  out.on('error', (error) => {
    failure = error
  })
  const write = async (text: string) => {
    if (failure) throw failure
    if (out.write(text)) return
    await new Promise<void>((resolve, reject) => {
      const onDrain = () => {
        out.off('error', onError)
        resolve()
      }
      const onError = (error: Error) => {
        out.off('drain', onDrain)
        reject(error)
      }
      out.once('drain', onDrain)
      out.once('error', onError)
    })
  }

  let processed = 0
  let lastProgress = Date.now()
  try {
    await write(csvRow(ORDER_EXPORT_HEADER))
    // The next page of ids is read while this page's rows are fetched and written (two connections, overlapping
    // round trips); at most two pages of ids are held.
    const pages = selectionChunks(operation, EXPORT_BATCH)[Symbol.asyncIterator]()
    let next = pages.next()
    next.catch(() => {})
    for (;;) {
      const page = await next
      if (page.done) break
      const ids = page.value
      next = pages.next()
      // Awaited on the next turn; if we stop first (cancelled, failed), its failure must not go unhandled.
      next.catch(() => {})
      const rows = await getOrderExportRows(ids)
      await write(csvRows(rows))
      processed += rows.length
      if (Date.now() - lastProgress >= PROGRESS_EVERY_MS) {
        lastProgress = Date.now()
        const status = await updateExportProgress(operation.id, { processed, fileBytes: out.bytesWritten + out.writableLength })
        if (status === 'cancelled') {
          out.destroy()
          await rm(partPath, { force: true })
          return 'cancelled'
        }
      }
    }
    out.end()
    await once(out, 'finish')
    if (failure) throw failure
    await rename(partPath, filePath)
    await updateExportProgress(operation.id, { processed, fileBytes: out.bytesWritten })
    return { filePath, fileBytes: out.bytesWritten }
  } catch (error) {
    out.destroy()
    await rm(partPath, { force: true })
    throw error
  }
}

/**
 * Deletes exports older than EXPORT_RETENTION_MS (their operations stop offering the download first) and `.part`
 * files a crashed attempt left behind more than a day ago. Runs at the start of every export: the directory never
 * grows without bound, with no scheduler of its own.
 */
export async function pruneExports(directory: string, now = Date.now()) {
  for (const filePath of await expireExportFiles(new Date(now - EXPORT_RETENTION_MS))) {
    if (path.dirname(filePath) === directory) await rm(filePath, { force: true })
  }
  for (const name of await readdir(directory)) {
    const filePath = path.join(directory, name)
    const info = await stat(filePath).catch(() => null)
    if (!info?.isFile()) continue
    const age = now - info.mtimeMs
    if ((name.endsWith('.csv') && age > EXPORT_RETENTION_MS) || (name.endsWith('.csv.part') && age > 24 * 3600 * 1000)) await rm(filePath, { force: true })
  }
}
