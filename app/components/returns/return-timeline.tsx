import type { SerializeFrom } from '@remix-run/node'
import type { ReturnTimelineEntry } from '#app/models/return-detail.server.ts'

const DAY = new Intl.DateTimeFormat('en-GB', { weekday: 'short', day: '2-digit', month: 'short', year: 'numeric', timeZone: 'UTC' })
const TIME = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', timeZone: 'UTC' })

/** Every step of the return, newest first, grouped by day (UTC), with who did it (the order timeline's markup). */
export function ReturnTimeline({ entries }: { entries: SerializeFrom<ReturnTimelineEntry>[] }) {
  const days: Array<{ day: string; entries: SerializeFrom<ReturnTimelineEntry>[] }> = []
  for (const entry of entries) {
    const day = DAY.format(new Date(entry.at))
    if (days.at(-1)?.day !== day) days.push({ day, entries: [] })
    days.at(-1)!.entries.push(entry)
  }
  return (
    <section className="panel" aria-labelledby="return-timeline-title" data-testid="return-timeline">
      <h2 id="return-timeline-title">
        Timeline <span className="muted">· {entries.length} events</span>
      </h2>
      {days.map(({ day, entries: list }) => (
        <div key={day} className="timeline-day">
          <h3 className="timeline-date">{day}</h3>
          <ol className="timeline">
            {list.map((entry) => (
              <li key={entry.id} className={`timeline-entry timeline-${entry.tone}`}>
                <span className="timeline-dot" aria-hidden="true" />
                <div className="timeline-body">
                  <p className="timeline-title">{entry.title}</p>
                  {entry.detail ? <p className="timeline-detail">{entry.detail}</p> : null}
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
    </section>
  )
}
