import { describe, expect, test } from 'vitest'
import { csvRow, csvRows } from './csv.ts'

/** One cell as written (without the record's CRLF). */
const csvField = (value: Parameters<typeof csvRow>[0][number]) => csvRow([value]).slice(0, -2)

/** A tiny RFC 4180 reader, to prove what we write reads back to the same cells. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let field = ''
  let quoted = false
  for (let index = 0; index < text.length; index++) {
    const char = text[index]!
    if (quoted) {
      if (char === '"' && text[index + 1] === '"') {
        field += '"'
        index++
      } else if (char === '"') quoted = false
      else field += char
    } else if (char === '"') quoted = true
    else if (char === ',') {
      row.push(field)
      field = ''
    } else if (char === '\r' && text[index + 1] === '\n') {
      row.push(field)
      rows.push(row)
      row = []
      field = ''
      index++
    } else field += char
  }
  return rows
}

describe('csvField', () => {
  test('plain text and numbers are written as they are', () => {
    expect(csvField('Ada Lovelace')).toBe('Ada Lovelace')
    expect(csvField(1234)).toBe('1234')
    expect(csvField(-5)).toBe('-5')
    expect(csvField(10n)).toBe('10')
    expect(csvField(null)).toBe('')
    expect(csvField(undefined)).toBe('')
    expect(csvField('')).toBe('')
  })

  test('comma, quote, CR and LF force quotes; inner quotes are doubled', () => {
    expect(csvField('Smith, John')).toBe('"Smith, John"')
    expect(csvField('say "hi"')).toBe('"say ""hi"""')
    expect(csvField('two\nlines')).toBe('"two\nlines"')
    expect(csvField('cr\rhere')).toBe('"cr\rhere"')
    expect(csvField('"')).toBe('""""')
  })

  test('text that a spreadsheet would run as a formula is defused', () => {
    expect(csvField('=HYPERLINK("http://x","y")')).toBe(`"'=HYPERLINK(""http://x"",""y"")"`)
    expect(csvField('+1')).toBe("'+1")
    expect(csvField('-cmd')).toBe("'-cmd")
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)")
    expect(csvField('a=b')).toBe('a=b')
  })
})

test('rows read back to the same cells (unicode, empty, awkward characters)', () => {
  const cells = [
    ['#1001', 'Zoë Çelik', 'a,b', 'he said "no"', 'line1\r\nline2', '', '日本語', '12.50'],
    ['#1002', 'plain', '', ',', '""', '\n', ' spaced ', '0'],
  ]
  const text = csvRows(cells)
  expect(text).toBe(cells.map(csvRow).join(''))
  expect(text.endsWith('\r\n')).toBe(true)
  expect(parseCsv(text)).toEqual(cells)
})
