import { expect, test } from 'vitest'
import { querySearch } from './bulk-bar.tsx'

test('an "all matching" selection carries the view’s sort and direction with its filters', () => {
  // The list page hands over its filters only; the view's order comes from the URL the person is looking at.
  expect(querySearch({ status: ['confirmed', 'on_hold'], q: 'ada' }, '?status=confirmed&status=on_hold&q=ada&sort=totalAmount&dir=asc&limit=25')).toBe(
    'status=confirmed&status=on_hold&q=ada&sort=totalAmount&dir=asc',
  )
  // An order already in the filters wins; no order in the URL means the list's default (nothing added).
  expect(querySearch('sort=number&tags=vip', '?sort=totalAmount&dir=asc')).toBe('sort=number&tags=vip&dir=asc')
  expect(querySearch(new URLSearchParams('tags=vip'), '')).toBe('tags=vip')
})
