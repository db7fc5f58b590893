import { afterAll, beforeAll, expect, test } from 'vitest'
import { sandboxApi, startSandbox, type TestSandbox } from '#test/helpers/sandbox.ts'

let sandbox: TestSandbox
let api: ReturnType<typeof sandboxApi>
beforeAll(async () => {
  sandbox = await startSandbox()
  api = sandboxApi(sandbox)
})
afterAll(() => sandbox.close())

test('inbound messages, about a third mentioning an order (ours or an OpsDeck demo number)', async () => {
  await sandbox.control.createOrders(5)
  const messages = await sandbox.control.createMessages({ count: 150 })
  const mentioning = messages.filter((message) => message.order_number !== null)
  expect(mentioning.length).toBeGreaterThan(25)
  expect(mentioning.length).toBeLessThan(75)
  for (const message of mentioning) {
    const number = Number(message.order_number!.slice(1))
    expect((number >= 500_001 && number <= 500_005) || (number >= 100_001 && number <= 101_500)).toBe(true)
  }
  const forced = await sandbox.control.createMessages({ order_number: '#500003' })
  expect(forced[0].order_number).toBe('#500003')
  const listed = await (await api.get('/helpdesk/messages', { limit: 200 })).json()
  expect(listed.data.at(-1)).toMatchObject({ id: forced[0].id, thread_id: expect.stringMatching(/^thr_/), subject: expect.stringContaining('#500003') })
})

test('replies go to a known thread (an effect); unknown thread is 404', async () => {
  const [message] = await sandbox.control.createMessages({ order_number: null })
  const body = { thread_id: message.thread_id, to: message.from.email, subject: 'Re: your question', body: 'Hello, thanks for asking.', reference: 'tm_1' }
  const response = await api.post('/helpdesk/replies', body, 'reply-tm_1')
  expect(response.status).toBe(201)
  expect(await response.json()).toMatchObject({ id: expect.stringMatching(/^rpl_/), thread_id: message.thread_id, reference: 'tm_1', sent_at: expect.any(String) })
  const unknown = await api.post('/helpdesk/replies', { ...body, thread_id: 'thr_nope', reference: 'tm_2' }, 'reply-tm_2')
  expect(unknown.status).toBe(404)
  const invalid = await api.post('/helpdesk/replies', { ...body, to: 'not-an-email', reference: 'tm_3' }, 'reply-tm_3')
  expect(invalid.status).toBe(400)
  expect((await invalid.json()).error.message).toContain('to')
  const { effects } = await sandbox.control.effects({ provider: 'helpdesk' })
  expect(effects.map((effect) => [effect.kind, effect.reference])).toEqual([['reply', 'tm_1']])
})

test('a reply carrying the satisfaction survey is answered by the customer on the same thread with a rating', async () => {
  const [message] = await sandbox.control.createMessages({ order_number: null })
  const survey = {
    thread_id: message.thread_id,
    to: message.from.email,
    subject: 'Re: your question [OD-0123456789ab]',
    body: 'Your request #12 has been solved. How would you rate our support? Reply with a number from 1 (poor) to 5 (excellent).\n\n[csat-survey]',
    reference: 'tm_survey',
  }
  expect((await api.post('/helpdesk/replies', survey, 'reply-tm_survey')).status).toBe(201)
  await expect
    .poll(async () => {
      const listed = await (await api.get('/helpdesk/messages', { limit: 200 })).json()
      return listed.data.find((item: { thread_id: string; id: string }) => item.thread_id === message.thread_id && item.id !== message.id) ?? null
    })
    .toMatchObject({ from: message.from, subject: 'Re: your question [OD-0123456789ab]', body: expect.stringMatching(/^[1-5]\b/) })
  // A plain reply gets no answer.
  const [other] = await sandbox.control.createMessages({ order_number: null })
  await api.post('/helpdesk/replies', { ...survey, thread_id: other.thread_id, body: 'Thanks!', reference: 'tm_plain' }, 'reply-tm_plain')
  await new Promise((resolve) => setTimeout(resolve, 500))
  const listed = await (await api.get('/helpdesk/messages', { limit: 200 })).json()
  expect(listed.data.filter((item: { thread_id: string }) => item.thread_id === other.thread_id)).toHaveLength(1)
})
