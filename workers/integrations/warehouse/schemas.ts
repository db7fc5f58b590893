import { z } from 'zod'

/** The warehouse system's JSON (CONTRACTS-3.md section A, "warehouse"). Unknown fields are dropped. */

const timestamp = z.string().datetime({ offset: true, message: 'must be an ISO-8601 timestamp' })

export const StockLevelSchema = z.object({
  /** `<sku>@<location>` */
  id: z.string().min(1),
  sku: z.string().min(1),
  location: z.string().min(1),
  on_hand: z.number().int().nonnegative(),
  updated_at: timestamp,
})
export type StockLevel = z.infer<typeof StockLevelSchema>

export const AdjustmentSchema = z.object({
  id: z.string().min(1),
  sku: z.string(),
  location: z.string(),
  delta: z.number().int(),
  on_hand: z.number().int(),
  reference: z.string(),
  created_at: timestamp,
})

/** Effect payload (outbox row; ids only). The ledger id is a bigint: a string (or a safe integer) here. */
export const AdjustPayloadSchema = z.object({
  ledgerEntryId: z.union([z.string().regex(/^\d+$/, 'a ledger entry id'), z.number().int().positive()]).transform((id) => BigInt(id)),
})
