/**
 * One instance per process, shared by code loaded twice: the web server loads `app/` both through the Remix build
 * and directly (Socket.IO, health checks), and dev rebuilds re-evaluate modules. Keyed on `globalThis`.
 * Pattern from the Epic Stack's `singleton.server.ts`.
 */
export function singleton<Value>(name: string, create: () => Value): Value {
  const registry = globalThis as unknown as { __opsdeckSingletons?: Map<string, unknown> }
  registry.__opsdeckSingletons ??= new Map()
  if (!registry.__opsdeckSingletons.has(name)) registry.__opsdeckSingletons.set(name, create())
  return registry.__opsdeckSingletons.get(name) as Value
}
