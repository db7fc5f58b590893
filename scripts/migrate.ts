/** `npm run db:migrate`: applies the committed migrations to DATABASE_URL (see scripts/migrations.mjs). */
import { applyMigrations } from './migrations.mjs'

if (!process.env.DATABASE_URL) {
  console.error('DATABASE_URL is not set (npm start sets it for the embedded PostgreSQL; here it must be given).')
  process.exit(1)
}
await applyMigrations(process.env).catch((error: Error) => {
  console.error(error.message)
  process.exit(1)
})
