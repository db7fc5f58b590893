import path from 'node:path'
import { defineConfig } from 'vitest/config'

const alias = {
  '#app': path.resolve('app'),
  '#server': path.resolve('server'),
  '#workers': path.resolve('workers'),
  '#sandbox': path.resolve('sandbox'),
  '#test': path.resolve('test'),
}

export default defineConfig({
  resolve: { alias },
  test: {
    globalSetup: ['test/setup/global-setup.ts'],
    projects: [
      {
        resolve: { alias },
        test: {
          name: 'unit',
          include: ['{app,server,workers,sandbox,prisma,scripts}/**/*.test.{ts,tsx}'],
          setupFiles: ['test/setup/database.ts'],
          testTimeout: 20_000,
          hookTimeout: 60_000,
          pool: 'forks',
          // Unit files first, then the browser tests (which each boot server processes).
          sequence: { groupOrder: 0 },
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.e2e.ts'],
          testTimeout: 60_000,
          hookTimeout: 180_000,
          pool: 'forks',
          // Each e2e file boots its own server processes; two at once is what two cores allow.
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'resilience',
          // Kills workers and restarts Redis while thousands of jobs run: alone, after everything else, so the
          // machine's PostgreSQL connections and CPU are its own.
          include: ['test/resilience/**/*.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 180_000,
          pool: 'forks',
          maxWorkers: 1,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
})
