import { describe, expect, it } from 'vitest'
import { keptTickObject } from './tick-object-shape.ts'

describe('tick-object-shape', () => {
  it('keeps a real nextTick object alive', () => {
    expect(keptTickObject).toHaveProperty('callback')
    expect(keptTickObject).toHaveProperty('args')
  })
})
