import { ensureTemplate } from './test-db.ts'

export default async function setup() {
  await ensureTemplate()
}
