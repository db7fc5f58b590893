import { describe, expect, test } from 'vitest'
import { currencyDigits, formatMoney, toMinorUnits } from './money.ts'

describe('money', () => {
  test('formats minor units with each currency’s own decimals, the same on every call', () => {
    expect(formatMoney(123456, 'GBP')).toBe('£1,234.56')
    expect(formatMoney(1234, 'JPY')).toBe('¥1,234')
    expect(formatMoney(1234567, 'KWD').replace(/\s/g, ' ')).toBe('KWD 1,234.567')
    // A second call reuses the currency's formatter and must not change the answer.
    expect(formatMoney(123456, 'GBP')).toBe('£1,234.56')
    expect(formatMoney(5, 'EUR')).toBe('€0.05')
  })

  test('digits per currency, and an unknown code is refused rather than guessed', () => {
    expect([currencyDigits('GBP'), currencyDigits('JPY'), currencyDigits('KWD')]).toEqual([2, 0, 3])
    expect(() => formatMoney(100, 'NOT-A-CODE')).toThrow(RangeError)
  })

  test('typed amounts become minor units, or a message', () => {
    expect(toMinorUnits('12.5', 'GBP')).toBe(1250)
    expect(toMinorUnits('1,200', 'JPY')).toBe(1200)
    expect(toMinorUnits('1.5', 'JPY')).toBe('Enter a whole amount in JPY')
    expect(toMinorUnits('1.234', 'GBP')).toBe('Enter an amount like 12.50 (at most 2 decimals)')
  })
})
