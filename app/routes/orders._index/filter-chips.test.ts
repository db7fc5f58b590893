import { expect, test } from 'vitest'
import { activeFilterChips } from './filter-chips.tsx'

const chips = (search: string) => activeFilterChips(new URLSearchParams(search)).map(({ label, value, to }) => ({ label, value, to }))

test('no filters, no chips: view params (sort, columns, density, page size) and the page cursor are not filters', () => {
  expect(chips('sort=total&dir=asc&limit=25&cols=number,total&density=compact&after=abc')).toEqual([])
})

test('one chip per chosen value; removing one keeps the other values, the view params, and starts on page one', () => {
  expect(chips('status=pending&status=on_hold&payment=authorized&sort=total&after=abc')).toEqual([
    { label: 'Status', value: 'pending', to: '?payment=authorized&sort=total&status=on_hold' },
    { label: 'Status', value: 'on hold', to: '?payment=authorized&sort=total&status=pending' },
    { label: 'Payment', value: 'authorized', to: '?status=pending&status=on_hold&sort=total' },
  ])
})

test('comma-separated lists are split into chips as the loader parses them; channels use their labels', () => {
  expect(chips('country=GB,IE&channel=online_store')).toEqual([
    { label: 'Channel', value: 'Online store', to: '?country=GB%2CIE' },
    { label: 'Country', value: 'GB', to: '?channel=online_store&country=IE' },
    { label: 'Country', value: 'IE', to: '?channel=online_store&country=GB' },
  ])
})

test('single-value filters: search, dates, totals and the open-return/ticket flags; blank values are not filters', () => {
  expect(chips('q=%231001&from=2026-11-01&to=&minTotal=10&hasOpenTicket=1')).toEqual([
    { label: 'Search', value: '#1001', to: '?from=2026-11-01&to=&minTotal=10&hasOpenTicket=1' },
    { label: 'Placed from', value: '2026-11-01', to: '?q=%231001&to=&minTotal=10&hasOpenTicket=1' },
    { label: 'Total from', value: '10', to: '?q=%231001&from=2026-11-01&to=&hasOpenTicket=1' },
    { label: 'Open ticket', value: 'yes', to: '?q=%231001&from=2026-11-01&to=&minTotal=10' },
  ])
})
