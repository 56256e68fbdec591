import { useQuery, useQueryClient } from '@tanstack/react-query'
import { type FormEvent, useId, useState } from 'react'
import { Button, Form, Link, Tab, TabList, TabPanel, Tabs } from 'react-aria-components'
import type { Json } from '../api/client'
import { PRESENTATION_TYPE, SLIDE_TYPE } from '../api/clm-metrics'
import { downloadFile, idsOf, useDocumentTypes, useRecordNames } from '../api/documents'
import { formatDateTime } from '../api/values'
import { ErrorMessage } from '../app/ErrorMessage'
import { navigate } from '../app/router'
import { useSession } from '../app/session'
import { ClmMetricsPanel } from './ClmMetricsPanel'

interface LifecycleAction {
  readonly name__v: string
  readonly label__v: string
  readonly executable__v: boolean
}

/**
 * A document: its latest version's fields, versions, file, the lifecycle actions this user may
 * run now, and a new version from a file; a presentation or slide of the Medical Vault also has
 * its CLM Content Metrics (B21) in a tab of their own.
 */
export function DocumentPage({ id, tab = 'details' }: { id: string; tab?: 'details' | 'metrics' }) {
  const { client, vault } = useSession()
  const queryClient = useQueryClient()
  const types = useDocumentTypes()
  const fileId = useId()
  const [file, setFile] = useState<File | undefined>()
  const [error, setError] = useState<unknown>()
  const [status, setStatus] = useState<string>()
  const [busy, setBusy] = useState(false)
  const path = `/objects/documents/${encodeURIComponent(id)}`
  const doc = useQuery({ queryKey: ['document', id], queryFn: () => client.call('GET', path) })
  const d = (doc.data?.document ?? {}) as Json
  const version = `${String(d.major_version_number__v)}/${String(d.minor_version_number__v)}`
  const actions = useQuery({
    queryKey: ['document-actions', id, version],
    enabled: doc.data !== undefined,
    queryFn: async () =>
      ((await client.call('GET', `${path}/versions/${version}/lifecycle_actions`)).lifecycle_actions__v ??
        []) as LifecycleAction[],
  })
  const countries = useRecordNames('country__v', vault.profile === 'medical' ? idsOf(d.country__v) : [])
  const products = useRecordNames('product__v', idsOf(d.product__v))

  const refresh = () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: ['document', id] }),
      queryClient.invalidateQueries({ queryKey: ['document-actions', id] }),
      queryClient.invalidateQueries({ queryKey: ['documents'] }),
    ])

  const act = async (work: () => Promise<unknown>, done: string) => {
    setBusy(true)
    setError(undefined)
    setStatus(undefined)
    try {
      await work()
      setStatus(done)
    } catch (e) {
      setError(e)
    } finally {
      setBusy(false)
      await refresh()
    }
  }

  const upload = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault()
    if (file === undefined) return
    const form = new FormData()
    form.set('file', file)
    void act(() => client.call('POST', path, form), 'New version uploaded.')
  }

  if (doc.error)
    return (
      <main>
        <ErrorMessage error={doc.error} />
      </main>
    )
  if (doc.data === undefined)
    return (
      <main>
        <p className="loading">Loading…</p>
      </main>
    )
  const versions = (doc.data.versions ?? []) as { number: string }[]
  const fields: [string, string][] = [
    ['Type', types.data?.find((t) => t.name === d.type__v)?.label ?? String(d.type__v ?? '')],
    ['Status', String(d.status__v ?? '')],
    ['Version', `${String(d.major_version_number__v)}.${String(d.minor_version_number__v)}`],
    ['Title', String(d.title__v ?? '')],
    [
      'Country',
      idsOf(d.country__v)
        .map((c) => countries.data?.get(c) ?? c)
        .join(', '),
    ],
    [
      'Product',
      idsOf(d.product__v)
        .map((p) => products.data?.get(p) ?? p)
        .join(', '),
    ],
    [
      'File',
      d.filename__v === undefined
        ? 'No file (placeholder)'
        : `${String(d.filename__v)} (${String(d.size__v)} bytes)`,
    ],
    ['CrossLink', d.crosslink__v === true ? `Yes, of ${String(d.source_global_id__v ?? '')}` : 'No'],
    [
      'Last modified',
      typeof d.version_modified_date__v === 'string' ? formatDateTime(d.version_modified_date__v) : '',
    ],
  ]

  // B21: the Medical Vault keeps the figures the CRMs send for its presentations and slides.
  const hasMetrics =
    vault.profile === 'medical' && (d.type__v === PRESENTATION_TYPE || d.type__v === SLIDE_TYPE)
  const details = (
    <>
      <dl className="record-fields">
        {fields.map(([label, value]) => (
          <div key={label}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      <h2>Versions</h2>
      <ul>
        {versions.map((v) => (
          <li key={v.number}>{v.number}</li>
        ))}
      </ul>
      {d.crosslink__v !== true && (
        <section>
          <h2>New version</h2>
          <Form onSubmit={upload} className="actions">
            <div className="field">
              <label htmlFor={fileId}>File</label>
              <input id={fileId} type="file" required onChange={(e) => setFile(e.target.files?.[0])} />
            </div>
            <Button type="submit" isDisabled={busy || file === undefined}>
              Upload new version
            </Button>
          </Form>
        </section>
      )}
    </>
  )

  return (
    <main>
      <p className="breadcrumb">
        <Link href="/ui/documents">Documents</Link>
      </p>
      <div className="page-title">
        <h1>{String(d.name__v ?? id)}</h1>
        <span className="badge state">{String(d.status__v ?? '')}</span>
      </div>
      <div className="actions">
        {(actions.data ?? [])
          .filter((a) => a.executable__v)
          .map((a) => (
            <Button
              key={a.name__v}
              isDisabled={busy}
              onPress={() =>
                void act(
                  () => client.call('PUT', `${path}/versions/${version}/lifecycle_actions/${a.name__v}`),
                  `${a.label__v}: done.`,
                )
              }
            >
              {a.label__v}
            </Button>
          ))}
        {d.filename__v !== undefined && (
          <Button
            isDisabled={busy}
            onPress={() =>
              void act(
                () => downloadFile(client.sessionId, `${path}/file`, String(d.filename__v)),
                'Downloaded.',
              )
            }
          >
            Download file
          </Button>
        )}
      </div>
      {status !== undefined && (
        <p role="status" className="status">
          {status}
        </p>
      )}
      <ErrorMessage error={error} />
      {hasMetrics ? (
        <Tabs
          selectedKey={tab}
          onSelectionChange={(key) =>
            navigate(`/ui/documents/${encodeURIComponent(id)}${key === 'metrics' ? '?tab=metrics' : ''}`)
          }
        >
          <TabList aria-label="Document" className="tabs">
            <Tab id="details">Details</Tab>
            <Tab id="metrics">CLM Content Metrics</Tab>
          </TabList>
          <TabPanel id="details">{details}</TabPanel>
          <TabPanel id="metrics">
            <ClmMetricsPanel id={id} type={String(d.type__v)} />
          </TabPanel>
        </Tabs>
      ) : (
        details
      )}
    </main>
  )
}
