import { Form, Link } from '@remix-run/react'
import { OrderFulfillmentStatus, OrderPaymentStatus, OrderStatus, SalesChannel } from '#app/generated/prisma/enums.ts'
import { humanize } from '#app/components/orders/order-status-badges.tsx'

/**
 * The orders filter bar: one GET form, so applying filters is a navigation to a URL that anyone can copy (and it
 * works before JavaScript loads). Multi-selects are native checkboxes in a disclosure (repeated params:
 * `status=pending&status=confirmed`); the view params (sort, columns, density, rows per page) ride along hidden;
 * the page cursor never does — new filters start on the first page. Field messages come from the loader's parse
 * (app/models/order-list.server.ts) and are shown under the field they belong to.
 */

export const CHANNEL_LABELS: Record<SalesChannel, string> = {
  online_store: 'Online store',
  pos: 'POS',
  marketplace: 'Marketplace',
  phone: 'Phone',
  manual: 'Manual',
}

export const FILTER_LABELS: Record<string, string> = {
  q: 'Search',
  status: 'Status',
  payment: 'Payment',
  fulfillment: 'Fulfilment',
  channel: 'Channel',
  from: 'Placed from',
  to: 'Placed to',
  minTotal: 'Total from',
  maxTotal: 'Total to',
  country: 'Country',
  tags: 'Tags',
  hasOpenReturn: 'Open return',
  hasOpenTicket: 'Open ticket',
  sort: 'Sort',
  dir: 'Sort direction',
  limit: 'Rows per page',
  cols: 'Columns',
  density: 'Density',
  after: 'Page',
  before: 'Page',
}

export type OrderFilterValues = {
  q: string
  status: string[]
  payment: string[]
  fulfillment: string[]
  channel: string[]
  from: string
  to: string
  minTotal: string
  maxTotal: string
  country: string
  tags: string
  hasOpenReturn: boolean
  hasOpenTicket: boolean
}

/** The form's values straight from the URL (also invalid ones, so a person can see and fix what they typed). */
export function filterValuesFrom(params: URLSearchParams, list: (key: string) => string[]): OrderFilterValues {
  const one = (key: string) => params.getAll(key).at(-1) ?? ''
  const flag = (key: string) => ['1', 'true', 'on', 'yes'].includes(one(key))
  return {
    q: one('q'),
    status: list('status'),
    payment: list('payment'),
    fulfillment: list('fulfillment'),
    channel: list('channel'),
    from: one('from'),
    to: one('to'),
    minTotal: one('minTotal'),
    maxTotal: one('maxTotal'),
    country: list('country').join(', '),
    tags: list('tags').join(', '),
    hasOpenReturn: flag('hasOpenReturn'),
    hasOpenTicket: flag('hasOpenTicket'),
  }
}

export function OrderFilters({
  values,
  errors,
  hidden,
  resetTo,
}: {
  values: OrderFilterValues
  errors: Record<string, string>
  /** View params to keep (sort, dir, limit, cols, density). */
  hidden: [string, string][]
  /** The URL with every filter removed (view params kept). */
  resetTo: string
}) {
  const active = countActive(values)
  return (
    <Form method="get" className="order-filters" role="search" aria-label="Filter orders" data-testid="order-filters">
      {hidden.map(([name, value], index) => (
        <input key={`${name}-${index}`} type="hidden" name={name} value={value} />
      ))}
      <div className="order-filters__row">
        <div className="order-filters__search">
          <label htmlFor="orders-q" className="visually-hidden">
            Search orders
          </label>
          <input
            id="orders-q"
            type="search"
            name="q"
            defaultValue={values.q}
            placeholder="Order number (#1001), customer email or name"
            aria-invalid={errors.q ? true : undefined}
            aria-describedby={errors.q ? 'orders-q-error' : undefined}
            autoComplete="off"
          />
          {errors.q ? (
            <p className="field-error" id="orders-q-error" data-testid="q-error">
              {errors.q}
            </p>
          ) : null}
        </div>
        <MultiSelect name="status" label="Status" options={Object.values(OrderStatus)} selected={values.status} error={errors.status} />
        <MultiSelect name="payment" label="Payment" options={Object.values(OrderPaymentStatus)} selected={values.payment} error={errors.payment} />
        <MultiSelect
          name="fulfillment"
          label="Fulfilment"
          options={Object.values(OrderFulfillmentStatus)}
          selected={values.fulfillment}
          error={errors.fulfillment}
        />
        <MultiSelect name="channel" label="Channel" options={Object.values(SalesChannel)} selected={values.channel} error={errors.channel} optionLabel={(value) => CHANNEL_LABELS[value as SalesChannel] ?? value} />
      </div>
      <div className="order-filters__row order-filters__row--more">
        <Range label="Placed" error={errors.from ?? errors.to}>
          <input type="date" name="from" id="orders-from" defaultValue={values.from} aria-label="Placed from" aria-invalid={errors.from ? true : undefined} />
          <span aria-hidden="true">–</span>
          <input type="date" name="to" id="orders-to" defaultValue={values.to} aria-label="Placed to" aria-invalid={errors.to ? true : undefined} />
        </Range>
        <Range label="Total" error={errors.minTotal ?? errors.maxTotal}>
          <input
            type="number"
            name="minTotal"
            min={0}
            step="0.01"
            inputMode="decimal"
            placeholder="Min"
            defaultValue={values.minTotal}
            aria-label="Total from"
            aria-invalid={errors.minTotal ? true : undefined}
          />
          <span aria-hidden="true">–</span>
          <input
            type="number"
            name="maxTotal"
            min={0}
            step="0.01"
            inputMode="decimal"
            placeholder="Max"
            defaultValue={values.maxTotal}
            aria-label="Total to"
            aria-invalid={errors.maxTotal ? true : undefined}
          />
        </Range>
        <TextFilter name="country" label="Country" placeholder="GB, IE" value={values.country} error={errors.country} />
        <TextFilter name="tags" label="Tags (any)" placeholder="vip, gift" value={values.tags} error={errors.tags} />
        <fieldset className="order-filters__checks">
          <legend className="order-filters__label">Has open</legend>
          <div className="order-filters__check-row">
            <label className="checkbox">
              <input type="checkbox" name="hasOpenReturn" value="1" defaultChecked={values.hasOpenReturn} aria-label="Has an open return" /> Return
            </label>
            <label className="checkbox">
              <input type="checkbox" name="hasOpenTicket" value="1" defaultChecked={values.hasOpenTicket} aria-label="Has an open ticket" /> Ticket
            </label>
          </div>
        </fieldset>
        <div className="order-filters__actions">
          <button type="submit" className="button button-primary" data-testid="apply-filters">
            Apply
          </button>
          {active > 0 ? (
            <Link to={resetTo} className="button button-secondary" data-testid="reset-filters">
              Clear {active}
            </Link>
          ) : null}
        </div>
      </div>
    </Form>
  )
}

function countActive(values: OrderFilterValues) {
  return [
    values.q,
    values.status.length,
    values.payment.length,
    values.fulfillment.length,
    values.channel.length,
    values.from || values.to,
    values.minTotal || values.maxTotal,
    values.country,
    values.tags,
    values.hasOpenReturn,
    values.hasOpenTicket,
  ].filter(Boolean).length
}

/** Checkboxes in a disclosure; the summary says what is chosen. */
function MultiSelect({
  name,
  label,
  options,
  selected,
  error,
  optionLabel = humanize,
}: {
  name: string
  label: string
  options: string[]
  selected: string[]
  error?: string
  optionLabel?: (value: string) => string
}) {
  const summary = selected.length === 0 ? 'Any' : selected.length <= 2 ? selected.map(optionLabel).join(', ') : `${selected.length} selected`
  return (
    <div className="order-filters__multi">
      <details className={`multi-select${selected.length ? ' multi-select--active' : ''}${error ? ' multi-select--invalid' : ''}`} data-testid={`filter-${name}`}>
        <summary>
          <span className="multi-select__label">{label}</span>
          <span className="multi-select__value">{summary}</span>
        </summary>
        <fieldset className="multi-select__panel">
          <legend className="visually-hidden">{label}</legend>
          {options.map((option) => (
            <label key={option} className="multi-select__option">
              <input type="checkbox" name={name} value={option} defaultChecked={selected.includes(option)} /> {optionLabel(option)}
            </label>
          ))}
        </fieldset>
      </details>
      {error ? <p className="field-error">{error}</p> : null}
    </div>
  )
}

function Range({ label, error, children }: { label: string; error?: string; children: React.ReactNode }) {
  return (
    <div className="order-filters__range">
      <span className="order-filters__label" aria-hidden="true">
        {label}
      </span>
      <span className="order-filters__pair">{children}</span>
      {error ? <p className="field-error">{error}</p> : null}
    </div>
  )
}

function TextFilter({ name, label, placeholder, value, error }: { name: string; label: string; placeholder: string; value: string; error?: string }) {
  const id = `orders-${name}`
  return (
    <div className="order-filters__text">
      <label htmlFor={id} className="order-filters__label">
        {label}
      </label>
      <input
        id={id}
        type="text"
        name={name}
        defaultValue={value}
        placeholder={placeholder}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
      />
      {error ? (
        <p className="field-error" id={`${id}-error`}>
          {error}
        </p>
      ) : null}
    </div>
  )
}
