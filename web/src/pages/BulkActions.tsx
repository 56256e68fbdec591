import { useQuery, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'
import { Button } from 'react-aria-components'
import { envelopeErrors, type Json } from '../api/client'
import { ErrorMessage } from '../app/ErrorMessage'
import { useSession } from '../app/session'

export interface RecordAction {
  readonly name: string
  readonly label: string
}

/** The actions a record offers this user now (GET …/actions: the vault leaves out what they may not do). */
export function useRecordActions(object: string, id: string | undefined, refetchMs?: number) {
  const { client } = useSession()
  return useQuery({
    queryKey: ['actions', object, id],
    enabled: id !== undefined,
    refetchInterval: refetchMs,
    queryFn: async () =>
      (
        await client.call(
          'GET',
          `/vobjects/${encodeURIComponent(object)}/${encodeURIComponent(id ?? '')}/actions`,
        )
      ).data as RecordAction[],
  })
}

/**
 * The actions of the selected records, run on all of them at once (the bulk form, one result per
 * record): what the first selected record offers.
 */
export function BulkActions({ object, ids, onDone }: { object: string; ids: string[]; onDone: () => void }) {
  const { client } = useSession()
  const queryClient = useQueryClient()
  const actions = useRecordActions(object, ids[0])
  const [outcome, setOutcome] = useState<string | undefined>()
  const [error, setError] = useState<unknown>()
  const [busy, setBusy] = useState(false)

  const run = async (action: RecordAction) => {
    setBusy(true)
    setError(undefined)
    setOutcome(undefined)
    try {
      const body = await client.call(
        'POST',
        `/vobjects/${encodeURIComponent(object)}/actions/${encodeURIComponent(action.name)}`,
        new URLSearchParams({ ids: ids.join(',') }),
      )
      const results = (body.data ?? []) as Json[]
      const failures = results.flatMap((r) => envelopeErrors(r) ?? [])
      const done = results.length - results.filter((r) => envelopeErrors(r) !== undefined).length
      setOutcome(`${action.label}: ${done} of ${results.length} done.`)
      if (failures.length > 0) setError(new Error(failures.map((f) => f.message).join(' ')))
      onDone()
    } catch (e) {
      setError(e)
    } finally {
      setBusy(false)
      await queryClient.invalidateQueries({ queryKey: ['list', object] })
    }
  }

  return (
    <div className="bulk-actions">
      {ids.length > 0 &&
        (actions.data ?? []).map((action) => (
          <Button key={action.name} isDisabled={busy} onPress={() => void run(action)}>
            {action.label}
          </Button>
        ))}
      {outcome !== undefined && (
        <p role="status" className="status">
          {outcome}
        </p>
      )}
      <ErrorMessage error={error} />
    </div>
  )
}
