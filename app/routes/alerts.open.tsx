import { json, type ActionFunctionArgs, type LoaderFunctionArgs } from '@remix-run/node'
import { z } from 'zod'
import { MAX_SILENCE_MINUTES, silenceLabel } from '#app/components/alerts/alert-format.ts'
import { acknowledgeAlert, countAlertsNeedingAttention, listOpenAlerts, silenceAlert } from '#app/models/alert.server.ts'
import { requirePermission } from '#app/utils/auth.server.ts'
import { getRequestMeta } from '#app/utils/http.server.ts'
import { hasPermission } from '#app/utils/permissions.ts'

/**
 * Resource route of the shell's notification center (app/components/alerts/notification-center.tsx):
 * - GET: the badge count and the newest open alerts (read:alert);
 * - POST: acknowledge or silence one alert (update:alert), answered as JSON so a fetcher on any page can act
 *   without leaving it; /alerts uses the same endpoint. A refusal says why (stale, already resolved…) with 4xx.
 */

const CENTER_SIZE = 10

const ActionSchema = z.discriminatedUnion('intent', [
  z.object({ intent: z.literal('acknowledge'), alertId: z.string().min(1).max(64), version: z.coerce.number().int().min(1) }),
  z.object({
    intent: z.literal('silence'),
    alertId: z.string().min(1).max(64),
    minutes: z.coerce
      .number({ invalid_type_error: 'Choose how long to silence' })
      .int('Choose how long to silence')
      .min(1, 'Silence for at least a minute')
      .max(MAX_SILENCE_MINUTES, 'Silence for at most 7 days'),
  }),
])

export type AlertActionData = { ok: true; message: string } | { ok: false; error: string }

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requirePermission(request, 'read:alert')
  const now = new Date()
  const [needingAttention, alerts] = await Promise.all([countAlertsNeedingAttention({ now }), listOpenAlerts({ now, limit: CENTER_SIZE })])
  return json(
    {
      needingAttention,
      canAct: hasPermission(user.role, 'update:alert'),
      alerts: alerts.map((alert) => ({
        id: alert.id,
        version: alert.version,
        status: alert.status,
        silenced: alert.silenced,
        silencedUntil: alert.silencedUntil,
        message: alert.message,
        firedAt: alert.firedAt,
        ruleName: alert.rule.name,
        severity: alert.rule.severity,
        acknowledgedBy: alert.acknowledgedBy?.name ?? null,
        acknowledgedAt: alert.acknowledgedAt,
      })),
    },
    { headers: { 'cache-control': 'no-store' } },
  )
}

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requirePermission(request, 'update:alert')
  const parsed = ActionSchema.safeParse(Object.fromEntries(await request.formData()))
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    return json<AlertActionData>({ ok: false, error: issue?.path[0] === 'minutes' ? issue.message : 'That request was not understood. Reload and try again.' }, { status: 400 })
  }
  const meta = getRequestMeta(request, context)
  const audit = { requestId: meta.requestId, ip: meta.ip }
  const input = parsed.data
  const result =
    input.intent === 'acknowledge'
      ? await acknowledgeAlert(input.alertId, user.id, input.version, { audit })
      : await silenceAlert(input.alertId, new Date(Date.now() + input.minutes * 60_000), user.id, { audit })
  if (!result.ok) {
    const status = result.reason === 'not-found' ? 404 : result.reason === 'invalid' ? 400 : 409
    return json<AlertActionData>({ ok: false, error: result.message }, { status })
  }
  return json<AlertActionData>({ ok: true, message: input.intent === 'acknowledge' ? 'Alert acknowledged' : `Alert silenced for ${silenceLabel(input.minutes)}` })
}
