import type { Prisma, PrismaClient } from '#app/generated/prisma/client.ts'
import { fakeId, testFaker, uniqueSuffix, type Faker } from './faker.ts'

export function buildLocation(faker: Faker, overrides: Partial<Prisma.LocationCreateManyInput> = {}) {
  const code = overrides.code ?? `WH-${uniqueSuffix().toUpperCase()}`
  return {
    id: fakeId(faker),
    code,
    name: `${faker.location.city()} warehouse`,
    address: { line1: faker.location.streetAddress(), city: faker.location.city(), postalCode: faker.location.zipCode(), country: 'GB' },
    ...overrides,
  } satisfies Prisma.LocationCreateManyInput
}

export function buildProduct(faker: Faker, overrides: Partial<Prisma.ProductCreateManyInput> = {}) {
  const title = overrides.title ?? faker.commerce.productName()
  return {
    id: fakeId(faker),
    title,
    handle: `${faker.helpers.slugify(title).toLowerCase()}-${faker.string.alphanumeric({ length: 5, casing: 'lower' })}`,
    status: 'active',
    vendor: faker.company.name(),
    productType: faker.commerce.department(),
    tags: [],
    description: faker.commerce.productDescription(),
    ...overrides,
  } satisfies Prisma.ProductCreateManyInput
}

export function buildVariant(
  faker: Faker,
  product: { id: string },
  overrides: Partial<Prisma.ProductVariantCreateManyInput> = {},
) {
  return {
    id: fakeId(faker),
    productId: product.id,
    sku: `SKU-${uniqueSuffix().toUpperCase()}`,
    title: faker.helpers.arrayElement(['S', 'M', 'L', 'XL', 'Default']),
    priceAmount: faker.number.int({ min: 5, max: 250 }) * 100 - 1,
    currency: 'GBP',
    weightGrams: faker.number.int({ min: 100, max: 3000 }),
    ...overrides,
  } satisfies Prisma.ProductVariantCreateManyInput
}

export function createLocation(prisma: PrismaClient, overrides: Partial<Prisma.LocationCreateManyInput> = {}) {
  return prisma.location.create({ data: buildLocation(testFaker, overrides), select: { id: true, code: true, name: true } })
}

/** A product with one variant (or the given variant overrides). */
export async function createProduct(
  prisma: PrismaClient,
  options: { product?: Partial<Prisma.ProductCreateManyInput>; variants?: Partial<Prisma.ProductVariantCreateManyInput>[] } = {},
) {
  const product = buildProduct(testFaker, options.product)
  const variants = (options.variants ?? [{}]).map((overrides, position) => buildVariant(testFaker, product, { position, ...overrides }))
  await prisma.product.create({ data: product })
  await prisma.productVariant.createMany({ data: variants })
  return { product, variants }
}

export function createInventoryLevel(
  prisma: PrismaClient,
  data: { variantId: string; locationId: string; onHand?: number; reserved?: number; incoming?: number; lowStockThreshold?: number },
) {
  return prisma.inventoryLevel.create({
    data: { id: fakeId(testFaker), onHand: 0, reserved: 0, incoming: 0, lowStockThreshold: 0, ...data },
    select: { id: true, variantId: true, locationId: true, onHand: true, reserved: true, lowStockThreshold: true },
  })
}

/**
 * A variant stocked at the given locations (new ones unless ids are given), each level with an opening `adjust`
 * ledger entry so the ledger explains it (ADR 0003).
 */
export async function createStockedVariant(
  prisma: PrismaClient,
  options: { stock: { locationId?: string; onHand: number; lowStockThreshold?: number; code?: string }[]; sku?: string; title?: string },
) {
  const { product, variants } = await createProduct(prisma, {
    product: options.title ? { title: options.title } : {},
    variants: [options.sku ? { sku: options.sku } : {}],
  })
  const variant = variants[0]!
  const levels = []
  for (const stock of options.stock) {
    const locationId = stock.locationId ?? (await createLocation(prisma, stock.code ? { code: stock.code } : {})).id
    levels.push(await createInventoryLevel(prisma, { variantId: variant.id, locationId, onHand: stock.onHand, lowStockThreshold: stock.lowStockThreshold ?? 0 }))
    if (stock.onHand > 0) {
      await prisma.inventoryLedgerEntry.create({ data: { variantId: variant.id, locationId, kind: 'adjust', onHandDelta: stock.onHand, reason: 'Opening stock' } })
    }
  }
  return { product, variant, levels }
}
