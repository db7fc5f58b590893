import { z } from 'zod'
import type { ProviderClient } from '../shared/http.ts'
import { ReplySchema } from './schemas.ts'

/** The helpdesk mailbox's calls OpsDeck makes, typed (base URL `${HELPDESK_URL}`, e.g. the sandbox's /helpdesk). */

export const MESSAGES_LIST_PATH = '/messages'

/** Cheapest authenticated call: one item of the list (the breaker's probe). */
export async function probeHelpdesk(client: ProviderClient) {
  await client.get(MESSAGES_LIST_PATH, z.object({ data: z.array(z.unknown()) }), { limit: 1 })
}

/** Sends an agent's reply on a thread; `reference` is OpsDeck's TicketMessage.id. */
export function sendReply(
  client: ProviderClient,
  body: { thread_id: string; to: string; subject: string; body: string; reference: string },
  idempotencyKey: string,
) {
  return client.post('/replies', body, ReplySchema, { idempotencyKey })
}
