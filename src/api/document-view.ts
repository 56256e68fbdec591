import type { DocumentView } from '../platform/documents/index.js'

/** A document (or binder) version in API shape: its fields, and links to its versions and renditions. */
export interface DocumentViewBody {
  readonly responseStatus: 'SUCCESS'
  readonly document: Readonly<Record<string, unknown>>
  readonly versions: readonly { readonly number: string; readonly value: string }[]
  readonly renditions: Readonly<Record<string, string>>
}

/** The answer of GET /objects/documents/{id} and of one version or binder. */
export function viewBody(version: string, id: number, view: DocumentView): DocumentViewBody {
  const base = `/api/${version}/objects/documents/${id}`
  return {
    responseStatus: 'SUCCESS',
    document: view.document,
    versions: view.versions.map((v) => ({
      number: `${v.major}.${v.minor}`,
      value: `${base}/versions/${v.major}/${v.minor}`,
    })),
    renditions: Object.fromEntries(view.renditions.map((r) => [r, `${base}/renditions/${r}`])),
  }
}
