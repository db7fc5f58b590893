import { fakeId, type Faker } from '#test/factories/faker.ts'

/**
 * Demo macros for the support desk (issue 6): canned replies agents pick in the reply composer, with the
 * placeholders (app/models/macro-template.ts) and actions (status, tags) real desks use most.
 */
export function demoMacros(f: Faker, now: Date) {
  const macros = [
    {
      name: 'Where is my order',
      body: 'Hi {{customer.first_name}},\n\nThanks for getting in touch. Your order {{order.number}} is with the carrier and should arrive within 2 working days. We will keep an eye on it.\n\nBest,\n{{agent.first_name}}',
      setStatus: 'pending' as const,
      addTags: ['shipping'],
    },
    {
      name: 'Damaged item: replacement',
      body: 'Hi {{customer.first_name}},\n\nI am sorry your order {{order.number}} arrived damaged. We are sending a replacement today; no need to return the damaged item.\n\n{{agent.name}}',
      setStatus: 'solved' as const,
      addTags: ['damaged'],
    },
    {
      name: 'Ask for photos',
      body: 'Hi {{customer.first_name}},\n\nCould you send us a couple of photos of the item and the packaging? That helps us sort this out quickly.\n\nThanks,\n{{agent.first_name}}',
      setStatus: 'pending' as const,
      addTags: [],
    },
    {
      name: 'Refund issued',
      body: 'Hi {{customer.first_name}},\n\nWe have refunded order {{order.number}}. It usually shows on your statement within 5 working days.\n\n{{agent.name}}',
      setStatus: 'solved' as const,
      addTags: ['refund'],
    },
  ]
  return macros.map((macro) => ({ id: fakeId(f), ...macro, createdAt: now, updatedAt: now }))
}

/**
 * Demo support teams (issue 6, "assignment to an agent or team"): Billing and Shipping, and which unsolved and solved
 * tickets are theirs — by the ticket's tags (refund/billing → Billing; shipping/damaged/address-change → Shipping),
 * otherwise none. Deterministic (no faker draws: the rest of the seed keeps its sequence).
 */
export function demoTeams(f: Faker, now: Date, members: { billing: string[]; shipping: string[] }) {
  const billing = { id: fakeId(f), name: 'Billing', createdAt: now, updatedAt: now }
  const shipping = { id: fakeId(f), name: 'Shipping', createdAt: now, updatedAt: now }
  const teamMembers = [
    ...members.billing.map((userId) => ({ teamId: billing.id, userId, createdAt: now })),
    ...members.shipping.map((userId) => ({ teamId: shipping.id, userId, createdAt: now })),
  ]
  const teamFor = (tags: readonly string[]) =>
    tags.some((tag) => tag === 'refund' || tag === 'billing') ? billing.id : tags.some((tag) => tag === 'shipping' || tag === 'damaged' || tag === 'address-change') ? shipping.id : null
  return { teams: [billing, shipping], teamMembers, teamFor }
}
