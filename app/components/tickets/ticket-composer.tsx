import { Form, useActionData, useNavigation } from '@remix-run/react'
import { useEffect, useRef, useState } from 'react'
import { STATUS_LABELS, STATUS_TRANSITIONS, type TicketStatusValue } from '#app/models/ticket-rules.ts'
import type { TicketViewer } from '#app/realtime/events.ts'

export type ComposerMacro = { id: string; name: string; text: string; missing: string[]; setStatus: TicketStatusValue | null; addTags: string[] }
export type ReplyActionData = {
  intent: 'reply'
  formError?: string
  fieldErrors?: Record<string, string>
  conflict?: { author: string; fromCustomer: boolean; createdAt: string; excerpt: string }[]
}

/**
 * The reply composer: public reply or internal note, a macro (its text is inserted with the ticket's values; its
 * status and tags apply when sent), "and set status", and collision detection — the form carries the newest message
 * shown when the agent started writing, so a reply someone else sent meanwhile is caught by the server (409) and
 * shown here with "Send anyway". Keystrokes tell the other viewers "… is typing".
 */
export function TicketComposer({
  status,
  lastMessageId,
  macros,
  mailThread,
  typingOthers,
  onTyping,
  onStopTyping,
}: {
  status: TicketStatusValue
  lastMessageId: string | null
  macros: ComposerMacro[]
  mailThread: boolean
  typingOthers: TicketViewer[]
  onTyping: () => void
  onStopTyping: () => void
}) {
  const actionData = useActionData<ReplyActionData>()
  const navigation = useNavigation()
  const [body, setBody] = useState('')
  const [kind, setKind] = useState<'public_reply' | 'internal_note'>('public_reply')
  const [macroId, setMacroId] = useState('')
  // The newest message on screen when the agent started this reply (live updates must not silently move it).
  const [baseMessageId, setBaseMessageId] = useState<string | null>(null)
  const submitting = navigation.state === 'submitting' && navigation.formData?.get('intent') === 'reply'
  const wasSubmitting = useRef(false)
  const data = actionData?.intent === 'reply' ? actionData : undefined

  useEffect(() => {
    // Finished: a redirect (no action data) means sent → clear; a refusal keeps the text.
    if (wasSubmitting.current && !submitting && navigation.state === 'idle' && !data) {
      setBody('')
      setMacroId('')
      setBaseMessageId(null)
    }
    wasSubmitting.current = submitting
  }, [submitting, navigation.state, data])

  const macro = macros.find((item) => item.id === macroId)
  const options = STATUS_TRANSITIONS[status].filter((to) => to !== 'new')
  const seen = baseMessageId ?? lastMessageId ?? ''

  return (
    <Form method="post" className="form ticket-composer" data-testid="ticket-composer" onSubmit={onStopTyping}>
      <input type="hidden" name="intent" value="reply" />
      <input type="hidden" name="lastSeenMessageId" value={seen} />
      <input type="hidden" name="macroId" value={macroId} />
      <div className="segmented" role="radiogroup" aria-label="Reply or note">
        {(
          [
            ['public_reply', 'Public reply'],
            ['internal_note', 'Internal note'],
          ] as const
        ).map(([value, label]) => (
          <label key={value} className={`segmented__item${kind === value ? ' segmented__item--active' : ''}`}>
            <input type="radio" name="kind" value={value} checked={kind === value} onChange={() => setKind(value)} className="visually-hidden" />
            {label}
          </label>
        ))}
      </div>
      {kind === 'public_reply' ? (
        <div className="field">
          <label htmlFor="composer-macro">Macro</label>
          <select
            id="composer-macro"
            value={macroId}
            data-testid="macro-select"
            onChange={(event) => {
              const chosen = macros.find((item) => item.id === event.currentTarget.value)
              setMacroId(event.currentTarget.value)
              if (chosen) {
                setBody((current) => (current.trim() ? `${current.trimEnd()}\n\n${chosen.text}` : chosen.text))
                setBaseMessageId((current) => current ?? lastMessageId)
              }
            }}
          >
            <option value="">No macro</option>
            {macros.map((item) => (
              <option key={item.id} value={item.id}>
                {item.name}
              </option>
            ))}
          </select>
          {macro ? (
            <p className="field-hint" data-testid="macro-effects">
              {[macro.setStatus ? `Sets status to ${STATUS_LABELS[macro.setStatus].toLowerCase()}` : null, macro.addTags.length ? `adds ${macro.addTags.map((tag) => `“${tag}”`).join(', ')}` : null]
                .filter(Boolean)
                .join('; ') || 'Inserts text only'}
              {macro.missing.length > 0 ? ` · Fill in: ${macro.missing.join(', ')} (this ticket has no value)` : ''}
            </p>
          ) : null}
        </div>
      ) : null}
      <div className="field">
        <label htmlFor="composer-body">{kind === 'public_reply' ? (mailThread ? 'Reply (mailed to the customer)' : 'Reply (recorded on the ticket; this ticket has no mail thread)') : 'Internal note (agents only)'}</label>
        <textarea
          id="composer-body"
          name="body"
          rows={6}
          value={body}
          className={kind === 'internal_note' ? 'ticket-composer__note' : undefined}
          aria-invalid={data?.fieldErrors?.body ? true : undefined}
          onChange={(event) => {
            setBody(event.currentTarget.value)
            if (!baseMessageId) setBaseMessageId(lastMessageId)
            if (event.currentTarget.value) onTyping()
            else onStopTyping()
          }}
          onBlur={onStopTyping}
        />
        {data?.fieldErrors?.body ? <p className="field-error">{data.fieldErrors.body}</p> : null}
      </div>
      {typingOthers.length > 0 && body ? (
        <p className="alert alert-info" data-testid="composer-typing-warning">
          {typingOthers.map((viewer) => viewer.name).join(' and ')} {typingOthers.length === 1 ? 'is' : 'are'} also writing a reply on this ticket.
        </p>
      ) : null}
      {data?.conflict ? (
        <div className="alert alert-error" role="alert" data-testid="reply-conflict">
          <p>
            <strong>{data.formError}</strong>
          </p>
          <ul>
            {data.conflict.map((message, index) => (
              <li key={index}>
                <strong>{message.author}</strong>: {message.excerpt}
              </li>
            ))}
          </ul>
          <button type="submit" name="force" value="1" className="button button-small button-danger" disabled={submitting} data-testid="send-anyway">
            Send anyway
          </button>
        </div>
      ) : data?.formError ? (
        <p className="alert alert-error" role="alert">
          {data.formError}
        </p>
      ) : null}
      <div className="ticket-composer__actions">
        <label htmlFor="composer-status">And set status</label>
        <select id="composer-status" name="setStatus" defaultValue="" data-testid="composer-status">
          <option value="">{macro?.setStatus ? `As the macro says (${STATUS_LABELS[macro.setStatus]})` : `Keep (${STATUS_LABELS[status]})`}</option>
          {options.map((to) => (
            <option key={to} value={to}>
              {STATUS_LABELS[to]}
            </option>
          ))}
        </select>
        <button type="submit" className="button button-primary" disabled={submitting || !body.trim()} data-testid="send-reply">
          {submitting ? 'Sending…' : kind === 'public_reply' ? 'Send reply' : 'Add note'}
        </button>
      </div>
    </Form>
  )
}
