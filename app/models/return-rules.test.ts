import { describe, expect, test } from 'vitest'
import {
  canTransitionReturn,
  RETURN_ACTION_RULES,
  RETURN_ACTIONS,
  RETURN_STATUSES,
  RETURN_TRANSITIONS,
  returnableQuantity,
  returnActionStates,
  returnRefusal,
} from './return-rules.ts'

/**
 * The return state machine as data: every (from, to) pair and every (status, action) pair, legal and illegal, checked
 * against an independent restatement of the workflow in issue 5. The database-level twin is return.server.test.ts.
 */

// Restated by hand from the issue: request → approve/reject → label → in transit → receive → dispose → resolve;
// cancel any time before receipt.
const LEGAL_MOVES = new Set([
  'requested>approved',
  'requested>rejected',
  'requested>cancelled',
  'approved>label_created',
  'approved>in_transit',
  'approved>received',
  'approved>cancelled',
  'label_created>in_transit',
  'label_created>received',
  'label_created>cancelled',
  'in_transit>received',
  'in_transit>cancelled',
  'received>resolved',
])

const LEGAL_ACTIONS = new Set([
  'requested:approve',
  'requested:reject',
  'requested:cancel',
  'approved:label',
  'approved:ship',
  'approved:receive',
  'approved:cancel',
  'label_created:ship',
  'label_created:receive',
  'label_created:cancel',
  'in_transit:receive',
  'in_transit:cancel',
  'received:dispose',
  'received:resolve',
])

describe('transitions table', () => {
  for (const from of RETURN_STATUSES) {
    for (const to of RETURN_STATUSES) {
      const legal = LEGAL_MOVES.has(`${from}>${to}`)
      test(`${from} → ${to} is ${legal ? 'legal' : 'illegal'}`, () => {
        expect(canTransitionReturn(from, to)).toBe(legal)
      })
    }
  }

  test('final states lead nowhere', () => {
    for (const status of ['rejected', 'resolved', 'cancelled'] as const) expect(RETURN_TRANSITIONS[status]).toEqual([])
  })

  test('every action moves along a legal transition (or stays, for dispose)', () => {
    for (const action of RETURN_ACTIONS) {
      const rule = RETURN_ACTION_RULES[action]
      for (const from of rule.from) {
        if (action === 'dispose') expect(rule.to).toBe(from)
        else expect(canTransitionReturn(from, rule.to), `${action} from ${from}`).toBe(true)
      }
    }
  })
})

describe('actions by status (operations)', () => {
  for (const status of RETURN_STATUSES) {
    for (const action of RETURN_ACTIONS) {
      const legal = LEGAL_ACTIONS.has(`${status}:${action}`)
      test(`${action} on a ${status} return is ${legal ? 'allowed' : 'refused with a reason'}`, () => {
        // `label` is the carrier integration's step: the system, never a person.
        const reason = returnRefusal(action, status, action === 'label' ? 'system' : 'operations')
        if (legal) expect(reason).toBeNull()
        else expect(reason).toMatch(/\w{4,}/)
      })
    }
  }
})

describe('roles', () => {
  test('operations and admins work returns; support and managers cannot, whatever the state', () => {
    for (const status of RETURN_STATUSES) {
      for (const action of RETURN_ACTIONS.filter((a) => a !== 'label')) {
        expect(returnRefusal(action, status, 'support')).toBe('Support can request returns, but operations works them')
        expect(returnRefusal(action, status, 'manager')).toBe('Managers can read returns but not change them')
        expect(returnRefusal(action, status, 'admin')).toBe(returnRefusal(action, status, 'operations'))
      }
    }
  })

  test('nobody stores a label by hand', () => {
    for (const role of ['admin', 'operations', 'support', 'manager'] as const) expect(returnRefusal('label', 'approved', role)).toMatch(/carrier integration/)
  })

  test('the page offers exactly the allowed actions, with the refusal for the others', () => {
    const states = returnActionStates('label_created', 'operations')
    expect(Object.entries(states).filter(([, s]) => s.allowed).map(([a]) => a).sort()).toEqual(['cancel', 'receive', 'ship'])
    expect(states.approve).toEqual({ allowed: false, reason: 'Only a requested return can be approved (this one is label created)' })
    expect(returnActionStates('received', 'operations').cancel).toEqual({ allowed: false, reason: 'The goods are back, so the return cannot be cancelled — resolve it instead' })
  })
})

test('returnable = shipped − returned − on open returns, never negative', () => {
  expect(returnableQuantity({ quantityShipped: 3, quantityReturned: 1, quantityOnOpenReturns: 1 })).toBe(1)
  expect(returnableQuantity({ quantityShipped: 0, quantityReturned: 0, quantityOnOpenReturns: 0 })).toBe(0)
  expect(returnableQuantity({ quantityShipped: 1, quantityReturned: 1, quantityOnOpenReturns: 1 })).toBe(0)
})
