import type { Prisma, PrismaClient, TicketPriority, TicketStatus } from '#app/generated/prisma/client.ts'
import { clampedAfter, fakeId, HOUR, MINUTE, testFaker, uniqueSuffix, DAY, type Faker } from './faker.ts'

export const TICKET_STATUSES: TicketStatus[] = ['new', 'open', 'pending', 'on_hold', 'solved', 'closed']
export const OPEN_TICKET_STATUSES: TicketStatus[] = ['new', 'open', 'pending', 'on_hold']

export type TicketGraph = {
  ticket: Prisma.TicketCreateManyInput & { id: string }
  messages: Prisma.TicketMessageCreateManyInput[]
}

const SUBJECTS = [
  'Where is my order {n}?',
  'Order {n} arrived damaged',
  'Wrong item received in {n}',
  'Can I change the address on {n}?',
  'Refund not received for {n}',
  'Cancel order {n} please',
  'Question about sizing',
  'Discount code not working',
  'Invoice request for {n}',
  'Return label for {n}',
]

export function buildTicketGraph(
  faker: Faker,
  input: {
    now: Date
    number?: number
    status?: TicketStatus
    priority?: TicketPriority
    createdAt?: Date
    requester?: { id: string; email: string; name: string } | null
    order?: { id: string; number: string } | null
    assigneeId?: string | null
    agentIds?: string[]
  },
): TicketGraph {
  const { now } = input
  const id = fakeId(faker)
  const status = input.status ?? 'new'
  const createdAt = input.createdAt ?? new Date(now.getTime() - faker.number.int({ min: 10, max: 20 * 24 * 60 }) * MINUTE)
  const agents = input.agentIds ?? (input.assigneeId ? [input.assigneeId] : [])
  const assigneeId = status === 'new' ? (input.assigneeId ?? null) : (input.assigneeId ?? (agents.length ? faker.helpers.arrayElement(agents) : null))
  const requesterName = input.requester?.name ?? faker.person.fullName()
  const messages: TicketGraph['messages'] = []
  const say = (at: Date, kind: 'public_reply' | 'internal_note', authorId: string | null, body: string) =>
    messages.push({ id: fakeId(faker), ticketId: id, kind, authorId, fromCustomer: authorId === null, body, attachments: [], createdAt: at })

  say(createdAt, 'public_reply', null, faker.lorem.paragraph())
  let cursor = createdAt
  let firstResponseAt: Date | null = null
  if (status !== 'new' && assigneeId) {
    cursor = clampedAfter(cursor, faker.number.int({ min: 5, max: 8 * 60 }) * MINUTE, now)
    if (faker.datatype.boolean({ probability: 0.4 })) say(cursor, 'internal_note', assigneeId, `Checked the order: ${faker.lorem.sentence()}`)
    cursor = clampedAfter(cursor, faker.number.int({ min: 1, max: 30 }) * MINUTE, now)
    if (status !== 'open' || faker.datatype.boolean()) {
      say(cursor, 'public_reply', assigneeId, `Hi ${requesterName.split(' ')[0]}, ${faker.lorem.sentences(2)}`)
      firstResponseAt = cursor
    }
    if (['solved', 'closed', 'pending'].includes(status) && faker.datatype.boolean({ probability: 0.6 })) {
      cursor = clampedAfter(cursor, faker.number.int({ min: 1, max: 24 }) * HOUR, now)
      say(cursor, 'public_reply', null, faker.lorem.sentences(2))
      cursor = clampedAfter(cursor, faker.number.int({ min: 10, max: 240 }) * MINUTE, now)
      say(cursor, 'public_reply', assigneeId, faker.lorem.sentences(2))
    }
  }
  const solvedAt = status === 'solved' || status === 'closed' ? clampedAfter(cursor, faker.number.int({ min: 1, max: 60 }) * MINUTE, now) : null
  const closedAt = status === 'closed' ? clampedAfter(solvedAt!, 4 * DAY, now) : null
  const subjectTemplate = input.order ? faker.helpers.arrayElement(SUBJECTS) : faker.helpers.arrayElement(SUBJECTS.filter((s) => !s.includes('{n}')))
  const ticket: TicketGraph['ticket'] = {
    id,
    number: input.number,
    subject: subjectTemplate.replace('{n}', input.order?.number ?? ''),
    status,
    priority: input.priority ?? 'normal',
    channel: faker.helpers.weightedArrayElement([
      { weight: 6, value: 'email' as const },
      { weight: 2, value: 'chat' as const },
      { weight: 1, value: 'web' as const },
      { weight: 1, value: 'phone' as const },
    ]),
    tags: faker.helpers.arrayElements(['shipping', 'refund', 'vip', 'damaged', 'address-change', 'billing'], { min: 0, max: 2 }),
    requesterId: input.requester?.id ?? null,
    requesterEmail: (input.requester?.email ?? faker.internet.email({ provider: 'example.com' })).toLowerCase(),
    requesterName,
    assigneeId,
    orderId: input.order?.id ?? null,
    firstResponseAt,
    lastMessageAt: messages.at(-1)!.createdAt as Date,
    solvedAt,
    closedAt,
    csatRating: solvedAt && faker.datatype.boolean({ probability: 0.5 }) ? faker.helpers.weightedArrayElement([
      { weight: 6, value: 5 },
      { weight: 2, value: 4 },
      { weight: 1, value: 3 },
      { weight: 1, value: 1 },
    ]) : null,
    source: 'helpdesk',
    externalId: `hd_${id}`,
    createdAt,
    updatedAt: closedAt ?? solvedAt ?? (messages.at(-1)!.createdAt as Date),
  }
  return { ticket, messages }
}

export async function createTicket(
  prisma: PrismaClient,
  overrides: Partial<Parameters<typeof buildTicketGraph>[1]> & { subject?: string } = {},
) {
  const { subject, ...input } = overrides
  const graph = buildTicketGraph(testFaker, { now: new Date(), ...input })
  if (subject) graph.ticket.subject = subject
  graph.ticket.externalId = `hd_t${uniqueSuffix()}`
  await prisma.ticket.create({ data: graph.ticket })
  await prisma.ticketMessage.createMany({ data: graph.messages })
  return graph
}
