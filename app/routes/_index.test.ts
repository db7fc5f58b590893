import type { AppLoadContext } from '@remix-run/node'
import { describe, expect, test, vi } from 'vitest'
import { prisma } from '#app/utils/db.server.ts'
import type { Role } from '#app/utils/permissions.ts'
import { commitSessionCookie, createSession } from '#app/utils/session.server.ts'

vi.mock('#app/models/dashboard.server.ts', () => ({
  getHomeFigures: vi.fn(async () => ({
    ordersToday: 1234,
    revenueToday: [
      { currency: 'USD', amount: 123456 },
      { currency: 'JPY', amount: 5000 },
    ],
    ordersAwaitingFulfilment: 5,
    openTickets: 7,
    returnsWaiting: 3,
    lowStockVariants: 2,
  })),
}))

const { loader } = await import('./_index.tsx')
const { formatMoney } = await import('#app/utils/money.ts')

const context = { cspNonce: '', requestId: 'test-request' } as unknown as AppLoadContext

async function homeAs(role: Role) {
  const user = await prisma.user.create({
    data: { email: `${role}-${crypto.randomUUID()}@example.test`, name: `A ${role}`, role, passwordHash: 'x' },
  })
  const session = await createSession(user.id)
  const cookie = (await commitSessionCookie(session.token, session.expiresAt)).split(';')[0]!
  const response = await loader({ request: new Request('http://localhost/', { headers: { cookie } }), params: {}, context })
  return (await response.json()) as { name: string; figures: Array<{ id: string; value: string[] }> }
}

describe('home', () => {
  test('each role gets only the figures it may read', async () => {
    const ids = async (role: Role) => (await homeAs(role)).figures.map((figure) => figure.id)
    const all = ['ordersToday', 'revenueToday', 'awaitingFulfilment', 'openTickets', 'returnsWaiting', 'lowStock']
    expect(await ids('admin')).toEqual(all)
    expect(await ids('manager')).toEqual(all)
    expect(await ids('operations')).toEqual(['ordersToday', 'awaitingFulfilment', 'returnsWaiting', 'lowStock'])
    expect(await ids('support')).toEqual(['ordersToday', 'awaitingFulfilment', 'openTickets'])
  })

  test('formats counts and money from minor units per currency', async () => {
    const { figures } = await homeAs('manager')
    expect(figures.find((figure) => figure.id === 'ordersToday')?.value).toEqual(['1,234'])
    expect(figures.find((figure) => figure.id === 'revenueToday')?.value).toEqual(['$1,234.56', '¥5,000'])
    expect(formatMoney(1500, 'KWD').replace(/\s/g, ' ')).toBe('KWD 1.500')
  })

  test('with no orders yet today, revenue says so instead of inventing a currency', async () => {
    const { getHomeFigures } = await import('#app/models/dashboard.server.ts')
    const figures = await getHomeFigures()
    vi.mocked(getHomeFigures).mockResolvedValueOnce({ ...figures, ordersToday: 0, revenueToday: [] })
    const revenue = (await homeAs('admin')).figures.find((figure) => figure.id === 'revenueToday') as { value: string[]; hint?: string }
    expect(revenue.value).toEqual(['—'])
    expect(revenue.hint).toBe('No orders yet today')
  })

  test('anonymous visitors are sent to sign in', async () => {
    const thrown = (await loader({ request: new Request('http://localhost/'), params: {}, context }).catch((error: unknown) => error)) as Response
    expect(thrown.status).toBe(302)
    expect(thrown.headers.get('location')).toBe('/login')
  })
})
