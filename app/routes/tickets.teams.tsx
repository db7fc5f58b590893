import { json, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node'
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react'
import { z } from 'zod'
import { GeneralErrorBoundary } from '#app/components/error-boundary.tsx'
import { Field } from '#app/components/ui/field.tsx'
import { listTicketAgents } from '#app/models/ticket-actions.server.ts'
import { TEAM_NAME_MAX } from '#app/models/ticket-rules.ts'
import { createTeam, deleteTeam, listTeams, TeamError, updateTeam } from '#app/models/ticket-team.server.ts'
import { requirePermission } from '#app/utils/auth.server.ts'
import { getRequestMeta } from '#app/utils/http.server.ts'
import { hasPermission } from '#app/utils/permissions.ts'
import { redirectWithToast } from '#app/utils/toast.server.ts'

/**
 * `/tickets/teams`: the desk's teams (Billing, Shipping, …) and who is in each (app/models/ticket-team.server.ts).
 * Everyone who reads tickets sees them; managers and admins (`manage:ticket`, as for macros) create, rename, change
 * members (version-checked) and delete. Tickets are put in a team from the ticket page or in bulk from the list.
 */

const id = z.string().min(1).max(64)
const TeamActionSchema = z.discriminatedUnion('intent', [
  z.object({ intent: z.literal('create'), name: z.string().max(200), members: z.array(id).max(500) }),
  z.object({ intent: z.literal('update'), id, expectedVersion: z.coerce.number().int().positive(), name: z.string().max(200), members: z.array(id).max(500) }),
  z.object({ intent: z.literal('delete'), id }),
])

type ActionData = { intent: string; id?: string; formError: string; field?: string }

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requirePermission(request, 'read:ticket')
  const manage = hasPermission(user.role, 'manage:ticket')
  const [teams, agents] = await Promise.all([listTeams(), manage ? listTicketAgents() : Promise.resolve([] as Awaited<ReturnType<typeof listTicketAgents>>)])
  return json({ manage, teams, agents })
}

export async function action({ request, context }: ActionFunctionArgs) {
  const user = await requirePermission(request, 'manage:ticket')
  const form = await request.formData()
  const parsed = TeamActionSchema.safeParse({ ...Object.fromEntries(form), members: form.getAll('members').map(String) })
  if (!parsed.success) return json<ActionData>({ intent: 'unknown', formError: 'That request was not understood. Reload the page and try again.' }, { status: 400 })
  const input = parsed.data
  const ctx = { actor: { id: user.id, role: user.role }, requestId: getRequestMeta(request, context).requestId }
  try {
    if (input.intent === 'create') {
      const team = await createTeam({ name: input.name, memberIds: input.members }, ctx)
      return redirectWithToast('/tickets/teams', { title: `Team “${team.name}” created` })
    }
    if (input.intent === 'update') {
      const team = await updateTeam(input.id, { name: input.name, memberIds: input.members, expectedVersion: input.expectedVersion }, ctx)
      return redirectWithToast('/tickets/teams', { title: `Team “${team.name}” saved` })
    }
    const team = await deleteTeam(input.id, ctx)
    return redirectWithToast('/tickets/teams', { title: `Team “${team.name}” deleted`, description: 'Its tickets keep their agent and have no team now.' })
  } catch (error) {
    if (!(error instanceof TeamError)) throw error
    return json<ActionData>({ intent: input.intent, id: 'id' in input ? input.id : undefined, formError: error.message, field: error.field }, { status: error.status })
  }
}

export default function TeamsPage() {
  const { manage, teams, agents } = useLoaderData<typeof loader>()
  const actionData = useActionData<typeof action>()
  const errorsFor = (intent: string, teamId?: string) => (actionData && actionData.intent === intent && actionData.id === teamId ? actionData : undefined)
  return (
    <div className="page" data-testid="teams-page">
      <nav className="breadcrumb" aria-label="Breadcrumb">
        <Link to="/tickets">Tickets</Link> / Teams
      </nav>
      <header className="page-header">
        <div>
          <h1>Teams</h1>
          <p className="muted">
            A ticket can be for a team, an agent, or both. A team ticket without an agent goes round-robin to the team’s members who are online; with nobody
            online it waits in the team’s queue (“My teams” on the tickets list).
          </p>
        </div>
      </header>
      {manage ? (
        <section className="panel" aria-labelledby="new-team-title">
          <h2 id="new-team-title" className="panel-title">
            New team
          </h2>
          {/* Keyed by the teams: a created team gives a fresh, empty form. */}
          <TeamForm key={teams.length} intent="create" agents={agents} errors={errorsFor('create')} />
        </section>
      ) : null}
      <section className="panel panel-flush" aria-labelledby="teams-title">
        <h2 id="teams-title" className="visually-hidden">
          Teams
        </h2>
        <div className="table-wrap">
          <table className="data-table" data-testid="teams-table">
            <thead>
              <tr>
                <th scope="col">Team</th>
                <th scope="col">Members</th>
                <th scope="col" className="num">
                  Open tickets
                </th>
                {manage ? <th scope="col">Manage</th> : null}
              </tr>
            </thead>
            <tbody>
              {teams.length === 0 ? (
                <tr>
                  <td colSpan={manage ? 4 : 3} className="empty">
                    No teams yet.
                  </td>
                </tr>
              ) : null}
              {teams.map((team) => (
                <tr key={team.id} data-testid="team-row">
                  <td className="cell-strong">{team.name}</td>
                  <td>{team.members.length === 0 ? <span className="muted">Nobody yet</span> : team.members.map((member) => member.name + (member.disabled ? ' (disabled)' : '')).join(', ')}</td>
                  <td className="num">
                    <Link to={`/tickets?view=open&team=${team.id}`}>{team.openTickets.toLocaleString('en-GB')}</Link>
                  </td>
                  {manage ? (
                    <td>
                      <details open={Boolean(errorsFor('update', team.id))}>
                        <summary className="button button-small button-secondary">Edit</summary>
                        <TeamForm intent="update" team={team} agents={agents} errors={errorsFor('update', team.id)} />
                      </details>
                      <Form method="post" className="inline-form">
                        <input type="hidden" name="intent" value="delete" />
                        <input type="hidden" name="id" value={team.id} />
                        <button type="submit" className="button button-small button-danger">
                          Delete
                        </button>
                      </Form>
                      {errorsFor('delete', team.id) ? (
                        <p className="field-error" role="alert">
                          {errorsFor('delete', team.id)!.formError}
                        </p>
                      ) : null}
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </div>
  )
}

function TeamForm({
  intent,
  team,
  agents,
  errors,
}: {
  intent: 'create' | 'update'
  team?: { id: string; name: string; version: number; members: { id: string }[] }
  agents: { id: string; name: string; role: string }[]
  errors?: ActionData
}) {
  const prefix = team ? `team-${team.id}` : 'team-new'
  const members = new Set(team?.members.map((member) => member.id) ?? [])
  return (
    <Form method="post" className="form" data-testid={`team-form-${intent}`}>
      <input type="hidden" name="intent" value={intent} />
      {team ? (
        <>
          <input type="hidden" name="id" value={team.id} />
          <input type="hidden" name="expectedVersion" value={team.version} />
        </>
      ) : null}
      {errors && errors.field !== 'name' ? (
        <p className="alert alert-error" role="alert">
          {errors.formError}
        </p>
      ) : null}
      <Field id={`${prefix}-name`} label="Name" error={errors?.field === 'name' ? errors.formError : undefined}>
        {(control) => <input {...control} type="text" name="name" defaultValue={team?.name} maxLength={TEAM_NAME_MAX} placeholder="Billing" />}
      </Field>
      <fieldset className="team-members">
        <legend>Members</legend>
        {agents.map((agent) => (
          <label key={agent.id} className="checkbox">
            <input type="checkbox" name="members" value={agent.id} defaultChecked={members.has(agent.id)} /> {agent.name}{' '}
            <span className="muted">({agent.role})</span>
          </label>
        ))}
      </fieldset>
      <div>
        <button type="submit" className="button button-primary button-small">
          {intent === 'create' ? 'Create team' : 'Save team'}
        </button>
      </div>
    </Form>
  )
}

export const meta: MetaFunction = () => [{ title: 'Teams · Tickets · OpsDeck' }]

export function ErrorBoundary() {
  return <GeneralErrorBoundary />
}
