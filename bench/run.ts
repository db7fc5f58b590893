import { spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import path from 'node:path'

/**
 * `npm run bench` runs every benchmark in bench/ one after another; `npm run bench -- http-floor` runs one.
 * Each benchmark is its own process and prints its candidate, baseline and ratio (see bench/README.md).
 */
const dir = path.dirname(new URL(import.meta.url).pathname)
const all = readdirSync(dir)
  .filter((file) => file.endsWith('.ts') && file !== 'run.ts')
  .map((file) => file.replace(/\.ts$/, ''))
const wanted = process.argv.slice(2)
const unknown = wanted.filter((name) => !all.includes(name))
if (unknown.length > 0) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; available: ${all.join(', ')}`)
  process.exit(2)
}

let failed = 0
for (const name of wanted.length > 0 ? wanted : all) {
  console.log(`\n== ${name}`)
  const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(dir, `${name}.ts`)], { stdio: 'inherit' })
  if (result.status !== 0) failed += 1
}
process.exit(failed > 0 ? 1 : 0)
