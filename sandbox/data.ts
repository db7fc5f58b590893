import { base, en, en_GB, Faker } from '@faker-js/faker'

/**
 * The sandbox's generated world, deterministic for a seed (SANDBOX_SEED): the same seed gives the same catalogue,
 * customers and starting stock. SKUs are the OpsDeck demo catalogue's (`OD-1000-S` … `OD-1039-L`) and locations its
 * Location codes, so synced orders and stock map onto the demo data.
 */

export const SIZES = ['S', 'M', 'L'] as const
export const LOCATIONS = ['LON', 'MAN', 'DUB'] as const
export type LocationCode = (typeof LOCATIONS)[number]
const PRODUCTS = 40
const CUSTOMERS = 200

export type CatalogueItem = { sku: string; title: string; variant_title: string; unit_price: number; weight_grams: number }
export type Address = { name: string; line1: string; line2: string | null; city: string; postal_code: string; country: string }
export type SeedCustomer = { id: string; email: string; name: string; phone: string | null; address: Address }

/** A faker of its own (never the global instance: other modules may seed it differently). */
export function createFaker(seed: number) {
  const faker = new Faker({ locale: [en_GB, en, base] })
  faker.seed(seed)
  return faker
}

export type World = { faker: Faker; catalogue: CatalogueItem[]; customers: SeedCustomer[] }

export function generateWorld(seed: number): World {
  const faker = createFaker(seed)
  const catalogue = Array.from({ length: PRODUCTS }, (_, i) => {
    const title = faker.commerce.productName()
    const price = faker.number.int({ min: 8, max: 180 }) * 100 - 1
    const weight = faker.number.int({ min: 150, max: 2500 })
    return SIZES.map((size, position) => ({
      sku: `OD-${1000 + i}-${size}`,
      title,
      variant_title: size,
      unit_price: price,
      weight_grams: weight + position * 50,
    }))
  }).flat()

  const customers = Array.from({ length: CUSTOMERS }, (_, i) => {
    const first = faker.person.firstName()
    const last = faker.person.lastName()
    const irish = faker.number.float() < 0.15
    const name = `${first} ${last}`
    return {
      id: `cus_sb_${String(10001 + i)}`,
      email: faker.internet.email({ firstName: first, lastName: last, provider: 'example.com' }).toLowerCase(),
      name,
      phone: faker.number.float() < 0.7 ? (irish ? `+353 8${faker.string.numeric(1)} ${faker.string.numeric(7)}` : `+44 7${faker.string.numeric(3)} ${faker.string.numeric(6)}`) : null,
      address: {
        name,
        line1: faker.location.streetAddress(),
        line2: faker.number.float() < 0.2 ? faker.location.secondaryAddress() : null,
        city: irish ? faker.helpers.arrayElement(['Dublin', 'Cork', 'Galway', 'Limerick']) : faker.location.city(),
        postal_code: irish ? `D0${faker.number.int({ min: 1, max: 9 })} ${faker.string.alphanumeric({ length: 4, casing: 'upper' })}` : faker.location.zipCode(),
        country: irish ? 'IE' : 'GB',
      },
    }
  })

  return { faker, catalogue, customers }
}
