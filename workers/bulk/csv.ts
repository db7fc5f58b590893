import { stringify } from 'csv-stringify/sync'

/**
 * CSV text for exports, written by csv-stringify (RFC 4180 quoting: a field holding a comma, a double quote, CR or
 * LF is quoted and inner quotes doubled; records end in CRLF).
 *
 * Text cells also get the spreadsheet-formula guard (OWASP "CSV Injection"): a value that starts with = + - @ TAB or
 * CR is opened by Excel/Sheets as a formula, so it is prefixed with a single quote. Customer names and tags come
 * from outside (storefront), so this matters. Numbers are never guarded (a negative total stays a number).
 */

const FORMULA_START = /^[=+\-@\t\r]/

export type CsvValue = string | number | bigint | boolean | null | undefined

const OPTIONS = {
  record_delimiter: 'windows',
  // csv-stringify quotes a field holding the record delimiter (CRLF); a lone CR or LF must be quoted too.
  quoted_match: /[\r\n]/,
  cast: {
    string: (value: string) => (FORMULA_START.test(value) ? `'${value}` : value),
    bigint: (value: bigint) => String(value),
    boolean: (value: boolean) => String(value),
  },
} as const

/** Records, each CRLF-terminated (one call per batch of rows: the export writes thousands at a time). */
export function csvRows(rows: ReadonlyArray<readonly CsvValue[]>): string {
  return stringify(rows as CsvValue[][], OPTIONS)
}

/** One record, CRLF-terminated. */
export function csvRow(values: readonly CsvValue[]): string {
  return csvRows([values])
}
