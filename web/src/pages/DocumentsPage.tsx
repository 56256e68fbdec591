import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query'
import { type FormEvent, useEffect, useId, useState } from 'react'
import {
  Button,
  Cell,
  Column,
  Form,
  Input,
  Label,
  Link,
  Row,
  SearchField,
  Table,
  TableBody,
  TableHeader,
  TextField,
} from 'react-aria-components'
import { idsOf, useDocumentTypes, useRecordNames } from '../api/documents'
import { vqlString } from '../api/vql'
import { ErrorMessage } from '../app/ErrorMessage'
import { navigate } from '../app/router'
import { isAdmin, useSession } from '../app/session'

const PAGE_SIZE = 25
const SEARCH_DELAY_MS = 300

interface DocumentRow {
  readonly id: number
  readonly name__v: string
  readonly type__v: string
  readonly status__v: string
  readonly major_version_number__v: number
  readonly minor_version_number__v: number
  readonly country__v?: string[]
  readonly crosslink__v?: boolean
  readonly modified_date__v: string
}

/** A new document with its file (multipart POST /objects/documents), in the content lifecycle. */
function UploadForm() {
  const { client } = useSession()
  const queryClient = useQueryClient()
  const types = useDocumentTypes()
  const typeId = useId()
  const fileId = useId()
  const [name, setName] = useState('')
  const [type, setType] = useState('reference_document__v')
  const countryId = useId()
  const [countries, setCountries] = useState<string[]>([])
  const countryChoices = useQuery({
    queryKey: ['country-choices'],
    staleTime: 60_000,
    queryFn: async () =>
      (
        await client.query<{ id: string; name__v: string }>(
          'SELECT id, name__v FROM country__v ORDER BY name__v PAGESIZE 1000',
        )
      ).data,
  })
  const [file, setFile] = useState<File | undefined>()
  const [error, setError] = useState<unknown>()
  const [busy, setBusy] = useState(false)

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault()
    setBusy(true)
    setError(undefined)
    try {
      const form = new FormData()
      form.set('name__v', name)
      form.set('type__v', type)
      form.set('lifecycle__v', 'medical_content_lifecycle__v')
      if (countries.length > 0) form.set('country__v', countries.join(','))
      if (file !== undefined) form.set('file', file)
      const body = await client.call('POST', '/objects/documents', form)
      await queryClient.invalidateQueries({ queryKey: ['documents'] })
      navigate(`/ui/documents/${String(body.id)}`)
    } catch (e) {
      setError(e)
      setBusy(false)
    }
  }

  return (
    <section className="upload">
      <h2>Upload a document</h2>
      <Form onSubmit={submit} className="record-form">
        <TextField className="field" value={name} onChange={setName} isRequired>
          <Label>Name</Label>
          <Input />
        </TextField>
        <div className="field">
          <label htmlFor={typeId}>Type</label>
          <select id={typeId} value={type} onChange={(e) => setType(e.target.value)}>
            {(types.data ?? []).map((t) => (
              <option key={t.name} value={t.name}>
                {t.label}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={countryId}>Country</label>
          <select
            id={countryId}
            multiple
            size={6}
            value={countries}
            onChange={(e) => setCountries([...e.target.selectedOptions].map((o) => o.value))}
          >
            {(countryChoices.data ?? []).map((c) => (
              <option key={c.id} value={c.id}>
                {c.name__v}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={fileId}>File</label>
          <input id={fileId} type="file" onChange={(e) => setFile(e.target.files?.[0])} />
        </div>
        <ErrorMessage error={error} />
        <div className="actions">
          <Button type="submit" isDisabled={busy}>
            Upload
          </Button>
        </div>
      </Form>
    </section>
  )
}

/**
 * Documents by VQL, newest first, with search (FIND). A rep sees approved content only (the steady
 * state of the content lifecycle); the Medical Vault's people upload from here.
 */
export function DocumentsPage() {
  const { client, vault, user } = useSession()
  const types = useDocumentTypes()
  const [typed, setTyped] = useState('')
  const [search, setSearch] = useState('')
  const [page, setPage] = useState(0)
  useEffect(() => {
    const timer = setTimeout(() => {
      setSearch(typed)
      setPage(0)
    }, SEARCH_DELAY_MS)
    return () => clearTimeout(timer)
  }, [typed])
  const steadyOnly = vault.profile === 'crm' && !isAdmin(user.securityProfile)
  const rows = useQuery({
    queryKey: ['documents', search, page, steadyOnly],
    placeholderData: keepPreviousData,
    queryFn: () =>
      client.query<DocumentRow>(
        'SELECT id, name__v, type__v, status__v, major_version_number__v, minor_version_number__v, country__v, crosslink__v, modified_date__v FROM documents' +
          (search.trim() === '' ? '' : ` FIND (${vqlString(search.replace(/[()"]/g, ' '))})`) +
          (steadyOnly ? " WHERE state__v = 'approved__v'" : '') +
          ` ORDER BY modified_date__v DESC PAGESIZE ${PAGE_SIZE} PAGEOFFSET ${page * PAGE_SIZE}`,
      ),
  })
  const data = rows.data?.data ?? []
  const countries = useRecordNames(
    'country__v',
    vault.profile === 'medical' ? data.flatMap((d) => idsOf(d.country__v)) : [],
  )
  const total = rows.data?.total ?? 0
  const first = total === 0 ? 0 : page * PAGE_SIZE + 1
  const last = Math.min(total, (page + 1) * PAGE_SIZE)
  const typeLabel = (name: string) => types.data?.find((t) => t.name === name)?.label ?? name

  return (
    <main>
      <h1>Documents</h1>
      <div className="toolbar">
        <SearchField value={typed} onChange={setTyped} aria-label="Search Documents">
          <Label>Search</Label>
          <Input />
        </SearchField>
      </div>
      <ErrorMessage error={rows.error} />
      <Table aria-label="Documents" className="records">
        <TableHeader>
          <Column isRowHeader>Name</Column>
          <Column>Type</Column>
          <Column>Status</Column>
          <Column>Version</Column>
          <Column>{vault.profile === 'medical' ? 'Countries' : 'CrossLink'}</Column>
        </TableHeader>
        <TableBody items={data} renderEmptyState={() => (rows.isFetching ? 'Loading…' : 'No documents.')}>
          {(d) => (
            <Row id={d.id}>
              <Cell>
                <Link href={`/ui/documents/${d.id}`}>{d.name__v}</Link>
              </Cell>
              <Cell>{typeLabel(d.type__v)}</Cell>
              <Cell>{d.status__v}</Cell>
              <Cell>
                {d.major_version_number__v}.{d.minor_version_number__v}
              </Cell>
              <Cell>
                {vault.profile === 'medical'
                  ? idsOf(d.country__v)
                      .map((c) => countries.data?.get(c) ?? c)
                      .join(', ')
                  : d.crosslink__v === true
                    ? 'Yes'
                    : 'No'}
              </Cell>
            </Row>
          )}
        </TableBody>
      </Table>
      <nav className="pager" aria-label="Pages">
        <Button isDisabled={page === 0} onPress={() => setPage(page - 1)}>
          Previous page
        </Button>
        <span aria-live="polite">
          {first}–{last} of {total}
        </span>
        <Button isDisabled={last >= total} onPress={() => setPage(page + 1)}>
          Next page
        </Button>
      </nav>
      {vault.profile === 'medical' && <UploadForm />}
    </main>
  )
}
