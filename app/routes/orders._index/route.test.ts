import type { AppLoadContext } from '@remix-run/node'
import { beforeAll, describe, expect, test } from 'vitest'
import { prisma } from '#app/utils/db.server.ts'
import type { Role } from '#app/utils/permissions.ts'
import { commitSessionCookie, createSession } from '#app/utils/session.server.ts'
import { createOrder } from '#test/factories/orders.ts'
import { loader } from './route.tsx'

async function signedIn(role: Role) {
  const user = await prisma.user.create({
    data: { email: `${role}-${crypto.randomUUID()}@example.test`, name: `A ${role}`, role, passwordHash: 'x' },
  })
  const session = await createSession(user.id)
  const cookie = (await commitSessionCookie(session.token, session.expiresAt)).split(';')[0]!
  return { user, cookie }
}

const context = { cspNonce: '', requestId: 'test-request' } as unknown as AppLoadContext
const get = (search: string, cookie?: string) =>
  loader({ request: new Request(`http://localhost/orders${search}`, { headers: cookie ? { cookie } : {} }), params: {}, context })
/** Response bodies as the assertions read them. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const body = async (response: Response): Promise<any> => response.json()
async function thrownBy(promise: Promise<unknown>) {
  return (await promise.then(() => null, (error: unknown) => error)) as Response
}

beforeAll(async () => {
  for (let i = 0; i < 3; i += 1) await createOrder(prisma, { number: `#7000${i}`, placedAt: new Date(Date.UTC(2026, 10, 1 + i)) })
})

describe('/orders loader', () => {
  test('sends anonymous visitors to sign in', async () => {
    const response = await thrownBy(get(''))
    expect(response.status).toBe(302)
    expect(response.headers.get('location')).toBe('/login?redirectTo=%2Forders')
  })

  test.each(['admin', 'manager', 'operations', 'support'] as const)('%s may read the list', async (role) => {
    const { cookie } = await signedIn(role)
    const response = await get('?limit=2', cookie)
    expect(response.status).toBe(200)
    const data = await body(response)
    expect(data).toMatchObject({ ok: true, count: { count: 3, exact: true }, prevCursor: null })
    expect(data.rows.map((row: { number: string }) => row.number)).toEqual(['#70002', '#70001'])
    expect(data.nextCursor).toEqual(expect.any(String))
    // Only what the table shows: no addresses, notes, external ids.
    expect(Object.keys(data.rows[0]).sort()).toEqual(
      ['assigneeName', 'channel', 'country', 'currency', 'customerEmail', 'customerName', 'fulfillmentStatus', 'id', 'number', 'paymentStatus', 'placedAt', 'status', 'tags', 'totalAmount'].sort(),
    )
  })

  test('invalid params are field messages with status 400, not an error page', async () => {
    const { cookie } = await signedIn('operations')
    const response = await get('?q=ab&status=lost&after=%21%21&limit=0', cookie)
    expect(response.status).toBe(400)
    const data = await body(response)
    expect(data.ok).toBe(false)
    expect(Object.keys(data.errors).sort()).toEqual(['after', 'limit', 'q', 'status'])
    expect(data.errors.q).toContain('at least 3 characters')
  })

  test('a bare /orders opens the person’s default view; `view=all` or any param shows the list', async () => {
    const { user, cookie } = await signedIn('operations')
    await prisma.savedView.create({ data: { area: 'orders', ownerId: user.id, name: 'Mine', isDefault: true, query: { status: ['pending'] } } })
    const response = await thrownBy(get('', cookie))
    expect(response.status).toBe(302)
    expect(response.headers.get('location')).toBe('/orders?status=pending')
    expect((await get('?view=all', cookie)).status).toBe(200)
  })
})
