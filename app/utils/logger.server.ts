import { pino, type Logger } from 'pino'
import { getEnv } from './env.server.ts'

export type { Logger }

/**
 * Structured JSON logs (pino), one line per event, shared by every process (`npm start` prefixes them with
 * [web] / [worker]). If a caller ever logs a request object, headers or a user row, the secrets still do not reach
 * the log.
 */
export function createLogger(processName: 'web' | 'worker' | 'sandbox'): Logger {
  return pino({
    level: getEnv().LOG_LEVEL,
    base: { process: processName, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: ['req.headers.cookie', 'req.headers.authorization', 'res.headers["set-cookie"]', '*.password', '*.passwordHash'],
      censor: '[redacted]',
    },
  })
}
