/** Silence choices offered in the UI, in minutes (the action accepts any whole number up to a week). */
export const SILENCE_MINUTES = [15, 60, 240, 1440] as const
export const MAX_SILENCE_MINUTES = 7 * 24 * 60

export function silenceLabel(minutes: number) {
  if (minutes % 1440 === 0) return `${minutes / 1440} day${minutes === 1440 ? '' : 's'}`
  if (minutes % 60 === 0) return `${minutes / 60} hour${minutes === 60 ? '' : 's'}`
  return `${minutes} minutes`
}

/** The endpoint of the notification center's data and of acknowledge/silence (app/routes/alerts.open.tsx). */
export const ALERTS_OPEN_PATH = '/alerts/open'
