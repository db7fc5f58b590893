import type { Role } from '#app/generated/prisma/client.ts'

/**
 * One demo account per role, created by the demo seed and printed by `npm start`. Shared, well-known password:
 * demo data only — never seed these into a real deployment.
 */
export const DEMO_PASSWORD = 'opsdeck-demo-password'

export const DEMO_USERS: readonly { email: string; name: string; role: Role; password: string }[] = [
  { email: 'admin@opsdeck.test', name: 'Ada Admin', role: 'admin', password: DEMO_PASSWORD },
  { email: 'manager@opsdeck.test', name: 'Morgan Manager', role: 'manager', password: DEMO_PASSWORD },
  { email: 'operations@opsdeck.test', name: 'Owen Operations', role: 'operations', password: DEMO_PASSWORD },
  { email: 'support@opsdeck.test', name: 'Sam Support', role: 'support', password: DEMO_PASSWORD },
]
