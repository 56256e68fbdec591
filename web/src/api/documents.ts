import { useQuery } from '@tanstack/react-query'
import { useSession } from '../app/session'
import type { Json } from './client'
import { vqlName, vqlString } from './vql'

/** Document types by name (GET /metadata/objects/documents/types), for their labels. */
export function useDocumentTypes() {
  const { client } = useSession()
  return useQuery({
    queryKey: ['document-types'],
    staleTime: 60_000,
    queryFn: async () =>
      ((await client.call('GET', '/metadata/objects/documents/types')).types ?? []) as {
        name: string
        label: string
      }[],
  })
}

/** The names of records by id (countries, products of documents), one VQL call for all. */
export function useRecordNames(object: string, ids: readonly string[]) {
  const { client } = useSession()
  const unique = [...new Set(ids)].sort()
  return useQuery({
    queryKey: ['names', object, unique],
    enabled: unique.length > 0,
    staleTime: 60_000,
    queryFn: async () => {
      const page = await client.query<{ id: string; name__v: string }>(
        `SELECT id, name__v FROM ${vqlName(object)} WHERE id CONTAINS (${unique.map(vqlString).join(', ')}) PAGESIZE 1000`,
      )
      return new Map(page.data.map((r) => [r.id, r.name__v]))
    },
  })
}

export function idsOf(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String) : value == null || value === '' ? [] : [String(value)]
}

/** Downloads a file the API serves behind the session (a link cannot send Authorization). */
export async function downloadFile(sessionId: string, path: string, fallbackName: string): Promise<void> {
  const response = await fetch(`/api/v25.2${path}`, { headers: { authorization: sessionId } })
  if (!response.ok || (response.headers.get('content-type') ?? '').includes('application/json')) {
    const body = (await response.json().catch(() => ({}))) as Json
    const errors = (body.errors ?? []) as { message?: string }[]
    throw new Error(errors.map((e) => e.message).join(' ') || `The vault answered HTTP ${response.status}.`)
  }
  const url = URL.createObjectURL(await response.blob())
  const link = document.createElement('a')
  link.href = url
  link.download = fallbackName
  link.click()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}
