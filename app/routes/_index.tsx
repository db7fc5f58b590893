import { json } from '@remix-run/node'
import { useLoaderData } from '@remix-run/react'
import { prisma } from '#app/utils/db.server.ts'

export async function loader() {
  const rows = await prisma.$queryRaw<{ now: Date }[]>`select now() as now`
  return json({ now: rows[0]!.now.toISOString() })
}

export default function Index() {
  const { now } = useLoaderData<typeof loader>()
  return <p>OpsDeck {now}</p>
}
