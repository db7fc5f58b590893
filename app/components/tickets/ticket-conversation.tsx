import { DateTimeCell } from '#app/components/table/cells/date-time-cell.tsx'
import type { TicketAttachment } from '#app/models/ticket-detail.server.ts'

export type ConversationMessage = {
  id: string
  kind: 'public_reply' | 'internal_note'
  fromCustomer: boolean
  survey: boolean
  body: string
  attachments: TicketAttachment[]
  mailed: boolean
  createdAt: string
  author: { id: string; name: string; role: string } | null
}

const SIZE = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 1 })
function formatSize(bytes: number | null) {
  if (bytes === null) return null
  if (bytes < 1024) return `${bytes} B`
  if (bytes < 1024 * 1024) return `${SIZE.format(bytes / 1024)} KB`
  return `${SIZE.format(bytes / 1024 / 1024)} MB`
}

/**
 * The conversation, oldest first: the customer's messages, agents' public replies, and internal notes — notes sit
 * on a yellow card marked "Internal note · not sent to the customer", so nobody mistakes one for a reply.
 */
export function TicketConversation({ messages, requesterName, mailThread }: { messages: ConversationMessage[]; requesterName: string; mailThread: boolean }) {
  if (messages.length === 0) return <p className="muted">No messages yet.</p>
  return (
    <ol className="ticket-thread" aria-label="Conversation" data-testid="ticket-thread">
      {messages.map((message) => {
        const note = message.kind === 'internal_note'
        const who = message.fromCustomer ? requesterName : message.survey ? 'OpsDeck (satisfaction survey)' : (message.author?.name ?? 'Former user')
        const tone = note ? 'note' : message.fromCustomer ? 'customer' : 'agent'
        return (
          <li key={message.id} className={`ticket-message ticket-message--${tone}`} data-testid="ticket-message" data-kind={message.kind} data-message-id={message.id}>
            <header className="ticket-message__header">
              <strong>{who}</strong>
              {note ? (
                <span className="badge badge-warning">Internal note · not sent to the customer</span>
              ) : message.fromCustomer ? (
                <span className="badge badge-info">Customer</span>
              ) : (
                <span className="badge badge-success">Public reply</span>
              )}
              {/* The helpdesk confirmed the mail (its id is stored on the message). */}
              {!note && !message.fromCustomer && mailThread && message.mailed ? <span className="muted">mailed</span> : null}
              <span className="ticket-message__time">
                <DateTimeCell value={message.createdAt} />
              </span>
            </header>
            <div className="ticket-message__body">{message.body}</div>
            {message.attachments.length > 0 ? (
              <ul className="ticket-attachments" aria-label="Attachments">
                {message.attachments.map((file, index) => (
                  <li key={`${file.name}-${index}`}>
                    📎 {file.url ? <a href={file.url} rel="noreferrer noopener" target="_blank">{file.name}</a> : file.name}
                    <span className="muted"> {[file.contentType, formatSize(file.size)].filter(Boolean).join(', ')}</span>
                  </li>
                ))}
              </ul>
            ) : null}
          </li>
        )
      })}
    </ol>
  )
}
