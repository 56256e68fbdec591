import { type FormEvent, useState } from 'react'
import { Button, Form, Input, Label, TextField } from 'react-aria-components'
import type { Json } from '../api/client'
import type { Row } from '../api/values'
import { vqlString } from '../api/vql'
import { ErrorMessage } from '../app/ErrorMessage'
import { useSession } from '../app/session'

interface DryRunAnswer {
  readonly target: Record<string, Record<string, unknown>>
  readonly issues: readonly { target_object: string | null; target_field: string | null; message: string }[]
}

function single(value: unknown): string {
  return Array.isArray(value) ? String(value[0] ?? '') : String(value ?? '')
}

/**
 * An integration rule tried on one source record of the remote vault
 * (POST …/connections/{api_name}/rules/{rule}/dry_run): what each target field would get, and every
 * issue. Nothing is written.
 */
export function RuleDryRun({ row }: { row: Row }) {
  const { client } = useSession()
  const [sourceId, setSourceId] = useState('')
  const [answer, setAnswer] = useState<DryRunAnswer>()
  const [error, setError] = useState<unknown>()
  const [busy, setBusy] = useState(false)

  const run = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault()
    setBusy(true)
    setError(undefined)
    setAnswer(undefined)
    try {
      const [connection] = (
        await client.query<{ api_name__sys: string }>(
          `SELECT api_name__sys FROM connection__sys WHERE id = ${vqlString(single(row.connection__sys))}`,
        )
      ).data
      const rule = single(row.integration_rule_api_name__sys)
      const body = await client.call(
        'POST',
        `/services/connections/${encodeURIComponent(connection?.api_name__sys ?? '')}/rules/${encodeURIComponent(rule)}/dry_run`,
        new URLSearchParams({ source_id: sourceId.trim() }),
      )
      setAnswer(body.data as DryRunAnswer)
    } catch (e) {
      setError(e)
    } finally {
      setBusy(false)
    }
  }

  return (
    <section className="dry-run">
      <h2>Dry run</h2>
      <Form onSubmit={run} className="actions">
        <TextField className="field" value={sourceId} onChange={setSourceId} isRequired>
          <Label>Source record ID</Label>
          <Input />
        </TextField>
        <Button type="submit" isDisabled={busy}>
          Dry run
        </Button>
      </Form>
      <ErrorMessage error={error} />
      {answer !== undefined && (
        <>
          <table className="records" aria-label="What the rule would write">
            <thead>
              <tr>
                <th scope="col">Target object</th>
                <th scope="col">Field</th>
                <th scope="col">Value</th>
              </tr>
            </thead>
            <tbody>
              {Object.entries(answer.target).flatMap(([object, fields]) =>
                Object.entries(fields as Json).map(([field, value]) => (
                  <tr key={`${object}.${field}`}>
                    <td>{object}</td>
                    <th scope="row">{field}</th>
                    <td>{JSON.stringify(value)}</td>
                  </tr>
                )),
              )}
            </tbody>
          </table>
          <h3>Issues</h3>
          {answer.issues.length === 0 ? (
            <p>None: the rule would write every field.</p>
          ) : (
            <ul>
              {answer.issues.map((issue) => (
                <li key={`${issue.target_object}.${issue.target_field}.${issue.message}`}>
                  {issue.target_object !== null && `${issue.target_object}.${issue.target_field ?? ''}: `}
                  {issue.message}
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </section>
  )
}
