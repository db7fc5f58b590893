import type { SerializeFrom } from '@remix-run/node'
import type { OrderCaseFile } from '#app/models/order-detail.server.ts'

type Timeline = SerializeFrom<OrderCaseFile>['timeline']
type Entry = Timeline['entries'][number]

const DAY = new Intl.DateTimeFormat('en-GB', { weekday: 'short', day: '2-digit', month: 'short', year: 'numeric', timeZone: 'UTC' })
const TIME = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', timeZone: 'UTC' })

const KIND_LABEL: Record<Entry['kind'], string> = {
  placed: 'Order',
  audit: 'Change',
  note: 'Note',
  payment: 'Payment',
  refund: 'Refund',
  fulfilment: 'Fulfilment',
  tracking: 'Tracking',
  return: 'Return',
  ticket: 'Ticket',
  webhook: 'Webhook',
  job: 'Sync job',
  cancelled: 'Change',
}

/** Everything that happened to the order, newest first, grouped by day (UTC, so server and browser agree). */
export function OrderTimeline({ timeline }: { timeline: Timeline }) {
  const days: Array<{ day: string; entries: Entry[] }> = []
  for (const entry of timeline.entries) {
    const day = DAY.format(new Date(entry.at))
    if (days.at(-1)?.day !== day) days.push({ day, entries: [] })
    days.at(-1)!.entries.push(entry)
  }
  return (
    <section className="panel" aria-labelledby="timeline-title" data-testid="order-timeline">
      <h2 id="timeline-title">
        Timeline <span className="muted">· {timeline.total} {timeline.total === 1 ? 'event' : 'events'}</span>
      </h2>
      {days.map(({ day, entries }) => (
        <div key={day} className="timeline-day">
          <h3 className="timeline-date">{day}</h3>
          <ol className="timeline">
            {entries.map((entry) => (
              <li key={entry.id} className={`timeline-entry timeline-${entry.tone}`} data-kind={entry.kind}>
                <span className="timeline-dot" aria-hidden="true" />
                <div className="timeline-body">
                  <p className="timeline-title">
                    <span className="timeline-kind">{KIND_LABEL[entry.kind]}</span> {entry.title}
                  </p>
                  {entry.detail ? <p className={`timeline-detail${entry.kind === 'note' ? ' timeline-note' : ''}`}>{entry.detail}</p> : null}
                  <p className="timeline-meta muted">
                    <span>
                      {entry.actor.name}
                      {entry.actor.kind === 'person' && entry.actor.role ? ` (${entry.actor.role})` : entry.actor.kind !== 'person' ? ` · ${entry.actor.kind}` : ''}
                    </span>
                    {' · '}
                    <time dateTime={entry.at} title={entry.at}>
                      {TIME.format(new Date(entry.at))} UTC
                    </time>
                  </p>
                </div>
              </li>
            ))}
          </ol>
        </div>
      ))}
      {timeline.total > timeline.entries.length ? (
        <p className="muted">{timeline.total - timeline.entries.length} older events are not shown.</p>
      ) : null}
    </section>
  )
}
