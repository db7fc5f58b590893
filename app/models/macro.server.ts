import { z } from 'zod'
import { recordAudit } from '#app/models/audit.server.ts'
import { prisma, type Db } from '#app/utils/db.server.ts'
import { hasPermission, type Role } from '#app/utils/permissions.ts'
import { MACRO_PLACEHOLDERS, unknownPlaceholders } from './macro-template.ts'
import { TICKET_STATUSES, TICKET_TAGS_MAX, TICKET_TAG_MAX, parseTagList } from './ticket-rules.ts'

/**
 * Macros: canned replies with placeholders (app/models/macro-template.ts) and optional actions (set a status, add
 * tags) applied with the reply they start (app/models/ticket-actions.server.ts replyToTicket). Agents use them;
 * managers and admins manage them.
 */

/** Who may create, change and retire macros: `manage:ticket` (admins and managers, who run the desk's content). */
export function canManageMacros(role: Role) {
  return hasPermission(role, 'manage:ticket')
}

const statusOrNone = z
  .union([z.enum(TICKET_STATUSES, { errorMap: () => ({ message: 'Choose a status' }) }), z.literal('')])
  .nullish()
  .transform((value) => (value ? value : null))
  .refine((value) => value !== 'new', 'A macro cannot set a ticket back to “new”')

export const MacroInputSchema = z.object({
  name: z.string({ required_error: 'Give the macro a name' }).trim().min(1, 'Give the macro a name').max(80, 'At most 80 characters'),
  body: z
    .string({ required_error: 'Write the reply text' })
    .trim()
    .min(1, 'Write the reply text')
    .max(10_000, 'At most 10,000 characters')
    .superRefine((body, ctx) => {
      const unknown = unknownPlaceholders(body)
      if (unknown.length > 0) {
        ctx.addIssue({ code: 'custom', message: `Unknown placeholder ${unknown.map((name) => `{{${name}}}`).join(', ')}; use ${Object.keys(MACRO_PLACEHOLDERS).map((name) => `{{${name}}}`).join(', ')}` })
      }
    }),
  setStatus: statusOrNone,
  addTags: z
    .string()
    .optional()
    .transform(parseTagList)
    .refine((tags) => tags.every((tag) => tag.length <= TICKET_TAG_MAX), `Tags are at most ${TICKET_TAG_MAX} characters`)
    .refine((tags) => tags.length <= TICKET_TAGS_MAX, `At most ${TICKET_TAGS_MAX} tags`),
})
/** What a form sends (validated by MacroInputSchema). */
export type MacroInput = { name: string; body: string; setStatus?: string | null; addTags?: string }

export type MacroResult = { ok: true; id: string } | { ok: false; status: 400 | 403 | 404 | 409; message: string; fieldErrors?: Record<string, string> }

const MACRO_SELECT = { id: true, name: true, body: true, setStatus: true, addTags: true, isActive: true, version: true, updatedAt: true } as const

export type MacroRow = { id: string; name: string; body: string; setStatus: (typeof TICKET_STATUSES)[number] | null; addTags: string[]; isActive: boolean; version: number; updatedAt: Date }

export function listMacros(options: { includeRetired?: boolean } = {}): Promise<MacroRow[]> {
  return prisma.macro.findMany({ where: options.includeRetired ? {} : { isActive: true }, orderBy: [{ name: 'asc' }], select: MACRO_SELECT })
}

export function getActiveMacro(db: Db, id: string) {
  return db.macro.findFirst({ where: { id, isActive: true }, select: MACRO_SELECT })
}

function refuse(error: z.ZodError): MacroResult {
  return { ok: false, status: 400, message: 'Check the highlighted fields.', fieldErrors: Object.fromEntries(error.issues.map((issue) => [issue.path.join('.') || 'form', issue.message])) }
}
const forbidden: MacroResult = { ok: false, status: 403, message: 'Only managers and admins manage macros.' }
const isUniqueViolation = (error: unknown) => (error as { code?: string })?.code === 'P2002'
const nameTaken = (name: string): MacroResult => ({ ok: false, status: 400, message: 'Check the highlighted fields.', fieldErrors: { name: `A macro called “${name}” exists already` } })

type Actor = { id: string; role: Role }

export async function createMacro(actor: Actor, input: MacroInput, meta: { requestId?: string | null } = {}): Promise<MacroResult> {
  if (!canManageMacros(actor.role)) return forbidden
  const parsed = MacroInputSchema.safeParse(input)
  if (!parsed.success) return refuse(parsed.error)
  try {
    const macro = await prisma.$transaction(async (tx) => {
      const created = await tx.macro.create({ data: parsed.data, select: { id: true } })
      await recordAudit(tx, { actorId: actor.id, action: 'create:macro', entityType: 'macro', entityId: created.id, after: parsed.data, requestId: meta.requestId })
      return created
    })
    return { ok: true, id: macro.id }
  } catch (error) {
    if (isUniqueViolation(error)) return nameTaken(parsed.data.name)
    throw error
  }
}

/** Changes a macro the page showed at `expectedVersion` (a stale edit is refused), or retires/restores it. */
export async function updateMacro(
  actor: Actor,
  id: string,
  input: MacroInput & { isActive?: boolean },
  expectedVersion: number,
  meta: { requestId?: string | null } = {},
): Promise<MacroResult> {
  if (!canManageMacros(actor.role)) return forbidden
  const parsed = MacroInputSchema.safeParse(input)
  if (!parsed.success) return refuse(parsed.error)
  try {
    return await prisma.$transaction(async (tx): Promise<MacroResult> => {
      const before = await tx.macro.findUnique({ where: { id }, select: MACRO_SELECT })
      if (!before) return { ok: false, status: 404, message: 'There is no such macro.' }
      const data = { ...parsed.data, ...(input.isActive !== undefined ? { isActive: input.isActive } : {}) }
      const { count } = await tx.macro.updateMany({ where: { id, version: expectedVersion }, data: { ...data, version: { increment: 1 } } })
      if (count === 0) return { ok: false, status: 409, message: 'Someone changed this macro since you opened it — reload to see their change.' }
      await recordAudit(tx, { actorId: actor.id, action: 'update:macro', entityType: 'macro', entityId: id, before: { name: before.name, body: before.body, setStatus: before.setStatus, addTags: before.addTags, isActive: before.isActive }, after: data, requestId: meta.requestId })
      return { ok: true, id }
    })
  } catch (error) {
    if (isUniqueViolation(error)) return nameTaken(parsed.data.name)
    throw error
  }
}

/** Retires (hides from agents) or restores a macro; kept for the audit trail rather than deleted. */
export async function setMacroActive(actor: Actor, id: string, isActive: boolean, meta: { requestId?: string | null } = {}): Promise<MacroResult> {
  if (!canManageMacros(actor.role)) return forbidden
  return prisma.$transaction(async (tx): Promise<MacroResult> => {
    const { count } = await tx.macro.updateMany({ where: { id }, data: { isActive, version: { increment: 1 } } })
    if (count === 0) return { ok: false, status: 404, message: 'There is no such macro.' }
    await recordAudit(tx, { actorId: actor.id, action: isActive ? 'restore:macro' : 'retire:macro', entityType: 'macro', entityId: id, requestId: meta.requestId })
    return { ok: true, id }
  })
}
