import { useQuery, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { Button, Cell, Column, Row, Table, TableBody, TableHeader } from 'react-aria-components'
import type { Json } from '../api/client'
import { formatDateTime } from '../api/values'
import { ErrorMessage } from '../app/ErrorMessage'
import { useSession } from '../app/session'

const REFRESH_MS = 2_000

interface QueueConnection {
  readonly name: string
  readonly remote_vault_name: string
  readonly last_message_delivered: 'ok' | 'error' | null
  readonly last_delivered_date: string | null
  readonly error: { readonly message: string; readonly date_time: string } | null
}

interface Queue {
  readonly name: string
  readonly type: 'outbound' | 'inbound'
  readonly connection: string
  readonly delivery: 'enabled' | 'disabled'
  readonly messages_in_queue: number
  readonly messages_failed: number
  readonly connections: readonly QueueConnection[]
}

/** Each queue of the vault (GET /services/queues, then each queue's status), refreshed every 2 s. */
export function QueuesPage() {
  const { client } = useSession()
  const queryClient = useQueryClient()
  const [error, setError] = useState<unknown>()
  const [busy, setBusy] = useState(false)
  const queues = useQuery({
    queryKey: ['queues'],
    refetchInterval: REFRESH_MS,
    queryFn: async () => {
      const list = (await client.call('GET', '/services/queues')).data as Json[]
      return Promise.all(
        list.map(
          async (q) =>
            (await client.call('GET', `/services/queues/${encodeURIComponent(String(q.name))}`))
              .data as Queue,
        ),
      )
    },
  })

  const switchDelivery = async (queue: Queue, on: boolean) => {
    setBusy(true)
    setError(undefined)
    try {
      await client.call(
        'PUT',
        `/services/queues/${encodeURIComponent(queue.name)}/actions/${on ? 'enable_delivery' : 'disable_delivery'}`,
      )
    } catch (e) {
      setError(e)
    } finally {
      setBusy(false)
      await queryClient.invalidateQueries({ queryKey: ['queues'] })
    }
  }

  return (
    <main>
      <h1>Queues</h1>
      <ErrorMessage error={error ?? queues.error} />
      <Table aria-label="Queues" className="records">
        <TableHeader>
          <Column isRowHeader>Queue</Column>
          <Column>Direction</Column>
          <Column>Remote vault</Column>
          <Column>Waiting</Column>
          <Column>Failed</Column>
          <Column>Last delivery</Column>
          <Column>Last error</Column>
          <Column>Delivery</Column>
        </TableHeader>
        <TableBody
          items={queues.data ?? []}
          renderEmptyState={() => (queues.isFetching ? 'Loading…' : 'No queues.')}
        >
          {(q) => {
            const c = q.connections[0]
            return (
              <Row id={q.name}>
                <Cell>{q.name}</Cell>
                <Cell>{q.type === 'outbound' ? 'Outbound' : 'Inbound'}</Cell>
                <Cell>{q.connections.map((x) => x.remote_vault_name).join(', ')}</Cell>
                <Cell>{q.messages_in_queue}</Cell>
                <Cell>{q.messages_failed}</Cell>
                <Cell>
                  {c?.last_delivered_date == null
                    ? '—'
                    : `${formatDateTime(c.last_delivered_date)} (${c.last_message_delivered === 'ok' ? 'OK' : 'error'})`}
                </Cell>
                <Cell>
                  {c?.error == null ? '—' : `${formatDateTime(c.error.date_time)}: ${c.error.message}`}
                </Cell>
                <Cell>
                  {q.type === 'outbound' ? (
                    <span className="actions">
                      {q.delivery === 'enabled' ? 'On' : 'Off'}
                      <Button
                        isDisabled={busy}
                        onPress={() => void switchDelivery(q, q.delivery !== 'enabled')}
                      >
                        {q.delivery === 'enabled' ? 'Switch delivery off' : 'Switch delivery on'}
                      </Button>
                    </span>
                  ) : (
                    'On'
                  )}
                </Cell>
              </Row>
            )
          }}
        </TableBody>
      </Table>
    </main>
  )
}
