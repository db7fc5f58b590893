import { expect, test } from 'vitest'
import { batched } from './batch.server.ts'

test('calls made at the same moment share one run, each gets its own result, in call order', async () => {
  const runs: number[][] = []
  const double = batched(async (items: readonly number[]) => {
    runs.push([...items])
    return items.map((item) => (item < 0 ? new Error(`negative: ${item}`) : item * 2))
  })
  const results = await Promise.allSettled([double(1), double(-2), double(3)])
  expect(runs).toEqual([[1, -2, 3]])
  expect(results).toEqual([
    { status: 'fulfilled', value: 2 },
    { status: 'rejected', reason: new Error('negative: -2') },
    { status: 'fulfilled', value: 6 },
  ])
  // A later call is a new batch.
  expect(await double(5)).toBe(10)
  expect(runs).toHaveLength(2)
})

test('maxBatchSize splits a burst', async () => {
  const sizes: number[] = []
  const echo = batched(async (items: readonly number[]) => (sizes.push(items.length), items), { maxBatchSize: 2 })
  expect(await Promise.all([1, 2, 3, 4, 5].map((item) => echo(item)))).toEqual([1, 2, 3, 4, 5])
  expect(sizes).toEqual([2, 2, 1])
})

test('a failed batch: every caller gets the same error, or with isolateFailures each item is run again alone', async () => {
  const failure = new Error('provider down')
  const shared = batched(async () => {
    throw failure
  })
  const results = await Promise.allSettled([shared(1), shared(2)])
  expect(results.map((result) => (result as PromiseRejectedResult).reason)).toEqual([failure, failure])
  expect((results[0] as PromiseRejectedResult).reason).toBe((results[1] as PromiseRejectedResult).reason)

  const runs: number[][] = []
  const isolated = batched(
    async (items: readonly number[]) => {
      runs.push([...items])
      if (items.includes(13)) throw new Error('13 poisons the statement')
      return items
    },
    { isolateFailures: true },
  )
  const outcome = await Promise.allSettled([isolated(1), isolated(13), isolated(2)])
  expect(outcome.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
  expect(runs).toEqual([[1, 13, 2], [1], [13], [2]])
})
