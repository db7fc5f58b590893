import DataLoader from 'dataloader'

/**
 * Coalesces the calls that concurrent jobs of one process make within a few milliseconds into one batch
 * (DataLoader's batching without its cache): N import jobs running at once cost one provider request and one SQL
 * statement instead of N of each. Every caller still awaits its own result, so nothing is acknowledged before the
 * batch that carries it has finished (a batched write is as durable as a single one).
 *
 * - `run` gets the batch (in call order) and returns one result per item, or an Error for an item that failed alone.
 * - `isolateFailures`: when the whole batch fails (one bad row aborts a statement), each item is run again on its
 *   own, so one poison item fails only its own job. Off for provider calls: an outage must not turn one failed
 *   request into fifty.
 */
export type BatchOptions = {
  /** The most items in one batch. */
  maxBatchSize?: number
  /** How long the first call waits for others to join its batch (0: those made in the same event-loop turn). */
  windowMs?: number
  isolateFailures?: boolean
}

export function batched<In, Out>(run: (items: readonly In[]) => Promise<ReadonlyArray<Out | Error>>, options: BatchOptions = {}) {
  const { maxBatchSize = 100, windowMs = 1, isolateFailures = false } = options
  const loader = new DataLoader<In, Out>(
    async (items) => {
      try {
        return await run(items)
      } catch (error) {
        if (!isolateFailures || items.length === 1) return items.map(() => asError(error))
        return Promise.all(items.map((item) => run([item]).then(([result]) => result as Out | Error, asError)))
      }
    },
    {
      cache: false,
      maxBatchSize,
      batchScheduleFn: windowMs > 0 ? (callback) => void setTimeout(callback, windowMs) : (callback) => void setImmediate(callback),
    },
  )
  return (item: In): Promise<Out> => loader.load(item)
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error))
}
