import { pino } from 'pino'
import { getEnv } from '#app/utils/env.server.ts'

/** Structured JSON logs for the worker process (one line per event; `npm start` prefixes them with [worker]). */
export function createLogger() {
  return pino({ level: getEnv().LOG_LEVEL, base: { process: 'worker', pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime })
}

export type Logger = ReturnType<typeof createLogger>
