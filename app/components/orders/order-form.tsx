import { Form, useActionData, useNavigation } from '@remix-run/react'
import { useEffect, useRef, type ReactNode } from 'react'

/**
 * The order page's forms: every one posts a hidden `intent` and the `expectedVersion` the page was rendered with, so
 * the action can refuse an edit made on a stale page (409) instead of silently overwriting someone else's change.
 */

/** What the order page's action answers when it does not redirect. */
export type OrderActionData = {
  intent: string
  formError?: string
  fieldErrors?: Record<string, string>
  /** 409: the order changed since the page was rendered. */
  stale?: boolean
}

export function useOrderActionData(intent?: string) {
  const data = useActionData<OrderActionData>()
  if (!data || (intent && data.intent !== intent)) return null
  return data
}

/** True while this intent's form is being submitted (buttons say so and refuse a second click). */
export function useBusy(intent: string) {
  const navigation = useNavigation()
  return navigation.state !== 'idle' && navigation.formData?.get('intent') === intent
}

export function OrderForm({
  intent,
  version,
  className,
  children,
  testId,
}: {
  intent: string
  version: number
  className?: string
  children: ReactNode
  testId?: string
}) {
  return (
    <Form method="post" preventScrollReset className={className} data-testid={testId} data-intent={intent}>
      <input type="hidden" name="intent" value={intent} />
      <input type="hidden" name="expectedVersion" value={version} />
      {children}
    </Form>
  )
}

/**
 * A refusal of one form, shown next to the form that caused it. A stale page is not: that is said once, at the top
 * of the page (the form's small popover would hide it), and the form closes.
 */
export function FormError({ intent }: { intent: string }) {
  const data = useOrderActionData(intent)
  if (!data?.formError || data.stale) return null
  return (
    <p className="field-error" role="alert">
      {data.formError}
    </p>
  )
}

/**
 * A button that opens a small form under it (hold, cancel, fulfil, ship, refund). A `<details>` disclosure: works
 * before hydration, needs no inline styles (CSP), and stays open after a refused submit so the person sees why
 * (except on a stale page: the page-level message says so, and the popover would cover it).
 */
export function ActionDisclosure({
  intent,
  formIntent = intent,
  label,
  tone = 'secondary',
  children,
  align = 'start',
}: {
  /** Which action data opens it (`ship:<fulfillmentId>` for one parcel's form). */
  intent: string
  /** The `intent` its form posts (default: `intent`). */
  formIntent?: string
  label: string
  tone?: 'primary' | 'secondary' | 'danger'
  children: ReactNode
  align?: 'start' | 'end'
}) {
  const data = useOrderActionData(intent)
  const details = useRef<HTMLDetailsElement>(null)
  const busy = useBusy(formIntent)
  const wasBusy = useRef(false)
  // Its submission finished: done (redirected, no action data) or refused as stale → close; refused otherwise → stay.
  useEffect(() => {
    if (wasBusy.current && !busy && (!data || data.stale) && details.current) details.current.open = false
    wasBusy.current = busy
  }, [busy, data])
  return (
    <details ref={details} className={`action-disclosure action-disclosure-${align}`} open={data && !data.stale ? true : undefined} data-testid={`action-${intent}`}>
      <summary className={`button button-${tone}`}>{label}</summary>
      <div className="action-popover">{children}</div>
    </details>
  )
}
