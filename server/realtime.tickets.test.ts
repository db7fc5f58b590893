import { expect, test } from 'vitest'
import type { TicketPresence, TicketsChanged } from '#app/realtime/events.ts'
import { prisma } from '#app/utils/db.server.ts'
import type { Role } from '#app/utils/permissions.ts'
import { createTicket } from '#test/factories/tickets.ts'
import { createUser } from '#test/factories/users.ts'
import { realtimeHarness, type RealtimeClient } from '#test/helpers/realtime.ts'

/**
 * The support desk's live layer (server/realtime.tickets.ts): viewers and typists per ticket with permission checks,
 * `tickets.changed` from the database's NOTIFY (whatever wrote the rows), and round-robin to online support agents.
 */

const realtime = realtimeHarness()
const person = async (role: Role, name: string) => (await createUser(prisma, { role, name })).user
const describePresence = (presence: TicketPresence) => presence.viewers.map((viewer) => `${viewer.name}${viewer.typing ? '*' : ''}`).join(',')
function presenceLog(socket: RealtimeClient) {
  const seen: string[] = []
  socket.on('tickets.presence', (presence) => seen.push(describePresence(presence)))
  return seen
}

test('viewers and typists: permission-checked, live, and a disconnect ends both', async () => {
  const url = await realtime.startNode()
  const sam = await person('support', 'Sam')
  const ana = await person('support', 'Ana')
  const mia = await person('manager', 'Mia')
  const ops = await person('operations', 'Oli')
  const ticketId = 'ticket-presence-1'

  const samTab = await realtime.connectAs(url, sam)
  const samLog = presenceLog(samTab)
  expect(describePresence((await samTab.emitWithAck('tickets.view', { ticketId })) as TicketPresence)).toBe('Sam')
  const anaTab = await realtime.connectAs(url, ana)
  await anaTab.emitWithAck('tickets.view', { ticketId })
  await expect.poll(() => samLog.at(-1)).toBe('Ana,Sam')

  // Typing: shown to the others; only for someone viewing the ticket; ends when told.
  // Typing on a ticket one is not viewing is ignored (no room joined).
  await anaTab.emitWithAck('tickets.typing', { ticketId: 'another-ticket', typing: true })
  expect(describePresence((await anaTab.emitWithAck('tickets.view', { ticketId: 'another-ticket' })) as TicketPresence)).toBe('Ana')
  expect(await anaTab.emitWithAck('tickets.typing', { ticketId, typing: true })).toEqual({ ok: true })
  await expect.poll(() => samLog.at(-1)).toBe('Ana*,Sam')
  await anaTab.emitWithAck('tickets.typing', { ticketId, typing: false })
  await expect.poll(() => samLog.at(-1)).toBe('Ana,Sam')

  // A manager may view (read:ticket) but not type (update:ticket); operations may not even view.
  const miaTab = await realtime.connectAs(url, mia)
  await miaTab.emitWithAck('tickets.view', { ticketId })
  expect(await miaTab.emitWithAck('tickets.typing', { ticketId, typing: true })).toEqual({ ok: false, error: 'forbidden: needs update:ticket' })
  const opsTab = await realtime.connectAs(url, ops)
  expect(await opsTab.emitWithAck('tickets.view', { ticketId })).toEqual({ ok: false, error: 'forbidden: needs read:ticket' })
  expect(await opsTab.emitWithAck('tickets.subscribe', {})).toEqual({ ok: false, error: 'forbidden: needs read:ticket' })
  expect(await opsTab.emitWithAck('tickets.view', { ticketId: '' } as never)).toMatchObject({ ok: false, error: expect.stringContaining('invalid payload') })
  await expect.poll(() => samLog.at(-1)).toBe('Ana,Mia,Sam')

  // Ana types, then her tab closes: she leaves, typing included.
  await anaTab.emitWithAck('tickets.typing', { ticketId, typing: true })
  await expect.poll(() => samLog.at(-1)).toBe('Ana*,Mia,Sam')
  anaTab.disconnect()
  await expect.poll(() => samLog.at(-1)).toBe('Mia,Sam')
})

test('a change written by anyone reaches the list feed and the ticket’s own page; a new ticket goes round-robin to an online agent', async () => {
  const url = await realtime.startNode()
  const sam = await person('support', 'Sam Feed')
  const mia = await person('manager', 'Mia Feed')
  const { ticket } = await createTicket(prisma, { status: 'open', assigneeId: sam.id })

  const list = await realtime.connectAs(url, mia)
  const listSignals: TicketsChanged[] = []
  list.on('tickets.changed', (signal) => listSignals.push(signal))
  expect(await list.emitWithAck('tickets.subscribe', {})).toEqual({ ok: true })
  const page = await realtime.connectAs(url, sam)
  const pageSignals: TicketsChanged[] = []
  page.on('tickets.changed', (signal) => pageSignals.push(signal))
  await page.emitWithAck('tickets.view', { ticketId: ticket.id })

  // A write straight to the database (as the helpdesk worker would): a message on the ticket.
  await prisma.ticketMessage.create({ data: { ticketId: ticket.id, kind: 'public_reply', fromCustomer: true, body: 'Any news?' } })
  await expect.poll(() => listSignals.some((signal) => signal.ids.includes(ticket.id)), { timeout: 10_000 }).toBe(true)
  await expect.poll(() => pageSignals.some((signal) => signal.ids.includes(ticket.id)), { timeout: 10_000 }).toBe(true)

  // A new unassigned ticket: Sam (support, online) gets it; Mia (manager, online) is not in the rotation.
  const created = await createTicket(prisma, { status: 'new', assigneeId: null })
  await expect.poll(() => listSignals.some((signal) => signal.newIds.includes(created.ticket.id)), { timeout: 10_000 }).toBe(true)
  await expect.poll(async () => (await prisma.ticket.findUniqueOrThrow({ where: { id: created.ticket.id } })).assigneeId, { timeout: 10_000 }).toBe(sam.id)
})
