/**
 * Macro placeholders, isomorphic: the macro editor validates them, the ticket page renders them for the ticket at
 * hand. `{{customer.name}}` etc.; an unknown placeholder is refused when the macro is saved, and a placeholder the
 * ticket has no value for (no linked order) is left visible as `[order number]` and reported as missing, so the
 * agent sees what to fill in before sending.
 */

export const MACRO_PLACEHOLDERS = {
  'customer.name': 'the requester’s name',
  'customer.first_name': 'the requester’s first name',
  'customer.email': 'the requester’s email',
  'order.number': 'the linked order’s number',
  'ticket.number': 'the ticket number',
  'ticket.subject': 'the ticket subject',
  'agent.name': 'your name',
  'agent.first_name': 'your first name',
} as const
export type MacroPlaceholder = keyof typeof MACRO_PLACEHOLDERS
export type MacroContext = Partial<Record<MacroPlaceholder, string | null>>

const PATTERN = /\{\{\s*([a-z_.]+)\s*\}\}/g

/** Placeholders used in `body` that do not exist. */
export function unknownPlaceholders(body: string): string[] {
  return [...new Set([...body.matchAll(PATTERN)].map((match) => match[1]!).filter((name) => !(name in MACRO_PLACEHOLDERS)))]
}

export function renderMacro(body: string, context: MacroContext): { text: string; missing: MacroPlaceholder[] } {
  const missing = new Set<MacroPlaceholder>()
  const text = body.replace(PATTERN, (whole, name: string) => {
    if (!(name in MACRO_PLACEHOLDERS)) return whole
    const value = context[name as MacroPlaceholder]
    if (value === null || value === undefined || value === '') {
      missing.add(name as MacroPlaceholder)
      return `[${name.replace('.', ' ').replace('_', ' ')}]`
    }
    return value
  })
  return { text, missing: [...missing] }
}

export const firstName = (name: string) => name.trim().split(/\s+/)[0] ?? name
