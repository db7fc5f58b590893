/** Minor units → a localized amount with the currency's own decimals (JPY 0, GBP 2, KWD 3). Isomorphic. */
export function formatMoney(amountMinor: number, currency: string) {
  const format = new Intl.NumberFormat('en-US', { style: 'currency', currency })
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2
  return format.format(amountMinor / 10 ** digits)
}
