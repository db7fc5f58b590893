import type { Job, Worker } from 'bullmq'
import { getRecorder } from '#app/metrics/process.server.ts'

/**
 * Per-queue job metrics of this worker process: processing time (`job_duration_seconds{queue}`), completions and
 * failed attempts (`jobs_completed` / `jobs_failed`), from BullMQ's own worker events (processedOn → finishedOn).
 */
export function instrumentWorkers(workers: readonly Worker[]) {
  const recorder = getRecorder()
  if (!recorder.enabled) return
  for (const worker of workers) {
    const labels = { queue: worker.name }
    const duration = (job: Job | undefined) => {
      if (job?.processedOn && job.finishedOn && job.finishedOn >= job.processedOn) {
        recorder.observe('job_duration_seconds', (job.finishedOn - job.processedOn) / 1000, labels)
      }
    }
    worker.on('completed', (job) => {
      recorder.count('jobs_completed', labels)
      duration(job)
    })
    worker.on('failed', (job) => {
      recorder.count('jobs_failed', labels)
      duration(job)
    })
  }
}
