// One formatter per currency: building an Intl.NumberFormat costs far more than formatting with one (a page of
// orders formats hundreds of amounts).
const CURRENCIES = new Map<string, { formatter: Intl.NumberFormat; digits: number }>()

function currencyFormat(currency: string) {
  let format = CURRENCIES.get(currency)
  if (!format) {
    const formatter = new Intl.NumberFormat('en-US', { style: 'currency', currency })
    format = { formatter, digits: formatter.resolvedOptions().maximumFractionDigits ?? 2 }
    CURRENCIES.set(currency, format)
  }
  return format
}

/** Minor units → a localized amount with the currency's own decimals (JPY 0, GBP 2, KWD 3). Isomorphic. */
export function formatMoney(amountMinor: number, currency: string) {
  const { formatter, digits } = currencyFormat(currency)
  return formatter.format(amountMinor / 10 ** digits)
}

/** The currency's minor-unit decimals (JPY 0, GBP 2, KWD 3). */
export function currencyDigits(currency: string) {
  return currencyFormat(currency).digits
}

/** "12.5" → 1250 for GBP, as a person types an amount; a message when it is not an amount in this currency. */
export function toMinorUnits(text: string, currency: string): number | string {
  const digits = currencyDigits(currency)
  const pattern = digits === 0 ? /^\d{1,10}$/ : new RegExp(`^\\d{1,10}(\\.\\d{1,${digits}})?$`)
  const normalised = text.replace(/[\s,]/g, '')
  if (!pattern.test(normalised)) return digits === 0 ? `Enter a whole amount in ${currency}` : `Enter an amount like 12.50 (at most ${digits} decimals)`
  const [whole, fraction = ''] = normalised.split('.')
  const minor = Number(whole) * 10 ** digits + Number(fraction.padEnd(digits, '0') || '0')
  if (minor < 1) return 'Enter an amount above zero'
  return minor
}
