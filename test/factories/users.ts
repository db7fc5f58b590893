import type { PrismaClient, Role } from '#app/generated/prisma/client.ts'
import { hashPassword } from '#app/utils/password.server.ts'
import { testFaker, uniqueSuffix, type Faker } from './faker.ts'

export function buildUser(faker: Faker = testFaker, overrides: { email?: string; name?: string; role?: Role } = {}) {
  const name = overrides.name ?? faker.person.fullName()
  return {
    email: (overrides.email ?? `user-${uniqueSuffix()}@opsdeck.test`).toLowerCase(),
    name,
    role: overrides.role ?? ('support' as Role),
  }
}

/** Creates a user and returns it with its plain password (for sign-in tests). */
export async function createUser(
  prisma: PrismaClient,
  overrides: { email?: string; name?: string; role?: Role; password?: string; disabledAt?: Date | null } = {},
) {
  const password = overrides.password ?? `pw-${uniqueSuffix()}-${testFaker.string.alphanumeric(16)}`
  const user = await prisma.user.create({
    data: { ...buildUser(testFaker, overrides), passwordHash: await hashPassword(password), disabledAt: overrides.disabledAt ?? null },
    select: { id: true, email: true, name: true, role: true, disabledAt: true },
  })
  return { user, password }
}
