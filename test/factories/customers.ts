import type { Prisma, PrismaClient } from '#app/generated/prisma/client.ts'
import { fakeId, testFaker, uniqueSuffix, type Faker } from './faker.ts'

export function buildCustomer(faker: Faker, overrides: Partial<Prisma.CustomerCreateManyInput> = {}) {
  const firstName = faker.person.firstName()
  const lastName = faker.person.lastName()
  return {
    id: fakeId(faker),
    name: `${firstName} ${lastName}`,
    email: faker.internet.email({ firstName, lastName, provider: 'example.com' }).toLowerCase(),
    phone: faker.phone.number({ style: 'international' }),
    tags: faker.helpers.maybe(() => [faker.helpers.arrayElement(['vip', 'wholesale', 'repeat'])], { probability: 0.15 }) ?? [],
    source: 'storefront',
    externalId: `cus_${faker.string.alphanumeric(12)}`,
    ...overrides,
  } satisfies Prisma.CustomerCreateManyInput
}

export function buildAddress(faker: Faker, customer: { id: string; name: string }, overrides: Partial<Prisma.AddressCreateManyInput> = {}) {
  return {
    id: fakeId(faker),
    customerId: customer.id,
    kind: 'shipping',
    isDefault: true,
    name: customer.name,
    line1: faker.location.streetAddress(),
    line2: faker.helpers.maybe(() => faker.location.secondaryAddress(), { probability: 0.2 }) ?? null,
    city: faker.location.city(),
    region: faker.location.county(),
    postalCode: faker.location.zipCode('??# #??').toUpperCase(),
    country: faker.helpers.weightedArrayElement([
      { weight: 8, value: 'GB' },
      { weight: 1, value: 'IE' },
      { weight: 1, value: 'FR' },
    ]),
    ...overrides,
  } satisfies Prisma.AddressCreateManyInput
}

/** The JSON snapshot an order keeps of an address. */
export function addressSnapshot(address: ReturnType<typeof buildAddress>) {
  const { id: _id, customerId: _customerId, kind: _kind, isDefault: _isDefault, ...snapshot } = address
  return snapshot
}

export async function createCustomer(prisma: PrismaClient, overrides: Partial<Prisma.CustomerCreateManyInput> = {}) {
  const customer = buildCustomer(testFaker, { email: `customer-${uniqueSuffix()}@example.com`, externalId: null, source: 'manual', ...overrides })
  await prisma.customer.create({ data: customer })
  return customer
}
