import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { createReadableStreamFromReadable, type LoaderFunctionArgs } from '@remix-run/node'
import { getExportFile } from '#app/models/bulk-operation.server.ts'
import { requirePermission } from '#app/utils/auth.server.ts'
import { invariantResponse } from '#app/utils/http.server.ts'

/**
 * GET /orders/exports/:id/download — the finished CSV, streamed from disk (constant memory, whatever its size).
 * Only the person who started the export, or an admin; anyone else gets the same 404 as for an unknown id.
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requirePermission(request, 'read:order')
  const file = await getExportFile(params.id ?? '', { id: user.id, role: user.role })
  invariantResponse(file, 'There is no such export.', { status: 404 })
  invariantResponse(file.ready || file.status !== 'completed', 'This export file was deleted (files are kept for 7 days); export again.', { status: 410 })
  invariantResponse(file.ready, 'This export is not finished yet; its progress page links here when it is.', { status: 409 })
  const size = await stat(file.filePath).then(
    (info) => info.size,
    () => null,
  )
  invariantResponse(size !== null, 'This export file is no longer available; export again.', { status: 410 })
  const day = file.createdAt.toISOString().slice(0, 10)
  return new Response(createReadableStreamFromReadable(createReadStream(file.filePath)), {
    headers: {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Length': String(size),
      'Content-Disposition': `attachment; filename="orders-${day}-${params.id}.csv"`,
      'Cache-Control': 'private, no-store',
      'X-Content-Type-Options': 'nosniff',
    },
  })
}
