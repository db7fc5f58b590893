// Imported first by the web and worker entries (server/index.ts, workers/index.ts): ES modules evaluate
// imports in order, so a bad variable stops the process with a readable message before any module that reads the
// configuration at load time (logger, Prisma) throws it with a stack trace.
import { getEnvOrExit } from './env.server.ts'

getEnvOrExit()
