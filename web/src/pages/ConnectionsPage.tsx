import { useQuery } from '@tanstack/react-query'
import { Cell, Column, Link, Row, Table, TableBody, TableHeader } from 'react-aria-components'
import { formatDateTime } from '../api/values'
import { ErrorMessage } from '../app/ErrorMessage'
import { objectPath } from '../app/router'
import { useSession } from '../app/session'

const REFRESH_MS = 5_000

interface Connection {
  readonly id: string
  readonly name__v: string
  readonly api_name__sys: string
  readonly status__v: string
  readonly remote_vault_name__sys?: string
  readonly remote_vault_url__sys?: string
  readonly remote_environment__sys?: string
  readonly established_date__sys?: string | null
}

const STATUS_LABELS: Record<string, string> = {
  active__v: 'Active',
  inactive__v: 'Inactive',
  pending__sys: 'Pending',
}

/** The vault's connections (GET /services/connections): who, where, production or sandbox, status. */
export function ConnectionsPage() {
  const { client } = useSession()
  const connections = useQuery({
    queryKey: ['connections'],
    refetchInterval: REFRESH_MS,
    queryFn: async () => (await client.call('GET', '/services/connections')).data as Connection[],
  })
  return (
    <main>
      <h1>Connections</h1>
      <ErrorMessage error={connections.error} />
      <Table aria-label="Connections" className="records">
        <TableHeader>
          <Column isRowHeader>Connection</Column>
          <Column>API name</Column>
          <Column>Remote vault</Column>
          <Column>Environment</Column>
          <Column>Status</Column>
          <Column>Established</Column>
        </TableHeader>
        <TableBody
          items={connections.data ?? []}
          renderEmptyState={() => (connections.isFetching ? 'Loading…' : 'No connections.')}
        >
          {(c) => (
            <Row id={c.id}>
              <Cell>
                <Link href={objectPath('connection__sys', c.id)}>{c.name__v}</Link>
              </Cell>
              <Cell>{c.api_name__sys}</Cell>
              <Cell>
                {c.remote_vault_name__sys ?? ''}{' '}
                {c.remote_vault_url__sys ? `(${c.remote_vault_url__sys})` : ''}
              </Cell>
              <Cell>
                {c.remote_environment__sys === 'sandbox__sys' ? (
                  <span className="badge sandbox">Sandbox</span>
                ) : (
                  'Production'
                )}
              </Cell>
              <Cell>{STATUS_LABELS[c.status__v] ?? c.status__v}</Cell>
              <Cell>{c.established_date__sys ? formatDateTime(c.established_date__sys) : '—'}</Cell>
            </Row>
          )}
        </TableBody>
      </Table>
    </main>
  )
}
