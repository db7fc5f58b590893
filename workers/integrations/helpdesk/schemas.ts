import { z } from 'zod'

/** The helpdesk mailbox's JSON (CONTRACTS-3.md section A, "helpdesk"). Unknown fields are dropped. */

const timestamp = z.string().datetime({ offset: true, message: 'must be an ISO-8601 timestamp' })

export const MessageSchema = z.object({
  id: z.string().min(1),
  thread_id: z.string().min(1),
  from: z.object({ email: z.string().email(), name: z.string() }),
  subject: z.string(),
  body: z.string(),
  order_number: z.string().min(1).nullable(),
  /** Files the customer attached: metadata only (OpsDeck links to the mailbox's copy). Absent = none. */
  attachments: z
    .array(z.object({ name: z.string().min(1).max(255), content_type: z.string().max(100).nullable(), size: z.number().int().min(0).nullable(), url: z.string().url().nullable() }))
    .max(50)
    .default([]),
  received_at: timestamp,
  updated_at: timestamp,
})
export type HelpdeskMessage = z.infer<typeof MessageSchema>

export const ReplySchema = z.object({
  id: z.string().min(1),
  thread_id: z.string(),
  reference: z.string(),
  sent_at: timestamp,
})

/** Effect payload (outbox row; ids only). */
export const ReplyPayloadSchema = z.object({ ticketMessageId: z.string().min(1) })
