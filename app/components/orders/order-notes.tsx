import type { SerializeFrom } from '@remix-run/node'
import { useEffect, useRef } from 'react'
import { DateTimeCell } from '#app/components/table/cells/date-time-cell.tsx'
import { Field } from '#app/components/ui/field.tsx'
import type { OrderCaseFile } from '#app/models/order-detail.server.ts'
import { ORDER_NOTE_MAX_LENGTH } from '#app/models/order-rules.ts'
import { FormError, OrderForm, useBusy, useOrderActionData } from './order-form.tsx'

type Note = SerializeFrom<OrderCaseFile>['notes'][number]

/** Internal notes (staff only, never sent to the customer): the form, then the notes, newest first. */
export function OrderNotes({ notes, canNote, version }: { notes: Note[]; canNote: boolean; version: number }) {
  const busy = useBusy('note')
  const errors = useOrderActionData('note')?.fieldErrors
  const box = useRef<HTMLDivElement>(null)
  const count = useRef(notes.length)
  // A note was added (the page revalidated with one more): clear the box for the next one.
  useEffect(() => {
    if (notes.length > count.current) box.current?.querySelector('form')?.reset()
    count.current = notes.length
  }, [notes.length])
  return (
    <section className="panel" aria-labelledby="notes-title" data-testid="order-notes">
      <h2 id="notes-title">
        Internal notes <span className="muted">· {notes.length}</span>
      </h2>
      {canNote ? (
        <div ref={box}>
          <OrderForm intent="note" version={version} className="form note-form">
            <Field id="note-body" label="Add a note" error={errors?.body} hint="Only staff see notes.">
              {(control) => <textarea {...control} name="body" rows={2} maxLength={ORDER_NOTE_MAX_LENGTH} required placeholder="What should the next person know?" />}
            </Field>
            <FormError intent="note" />
            <div className="form-actions">
              <button type="submit" className="button button-secondary" disabled={busy}>
                {busy ? 'Adding…' : 'Add note'}
              </button>
            </div>
          </OrderForm>
        </div>
      ) : null}
      {notes.length === 0 ? (
        <p className="muted">No notes yet.</p>
      ) : (
        <ul className="notes">
          {notes.map((note) => (
            <li key={note.id} className="note">
              <p className="note-body">{note.body}</p>
              <p className="muted note-meta">
                {note.author ? `${note.author.name} (${note.author.role})` : 'Former user'} · <DateTimeCell value={note.createdAt} />
              </p>
            </li>
          ))}
        </ul>
      )}
    </section>
  )
}
