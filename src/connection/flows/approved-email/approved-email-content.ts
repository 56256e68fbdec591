/**
 * B19 Approved Email, as data both sides share: which Medical documents are Approved Email content,
 * which states publish them, and what status their `approved_document__v` records take.
 */

/** The document types Approved Email sends (whatever the Medical-CRM Connection type group lists). */
export const APPROVED_EMAIL_TYPES = [
  'email_template__v',
  'email_fragment__v',
  'template_fragment__v',
] as const

/** The relationship that brings a template's related documents along (as CrossLinks). */
export const RELATED_DOCUMENT_RELATIONSHIP = 'related_document__v'

/** Approved Email messages of one connection go out, and are processed, in order. */
export const APPROVED_EMAIL_ORDERING_KEY = 'approved-email'

/** The integration rule whose field rules build the CrossLink and the Approved Documents. */
export const APPROVED_EMAIL_RULE = 'approved_email_integration_rule__v'

/** States a version reaches once it was published: staged or approved, and what follows approval. */
export const PUBLISHED_STATES = ['staged__v', 'approved__v', 'superseded__v', 'obsolete__v'] as const

export const APPROVED_DOCUMENT_STATUSES = ['staged__v', 'approved__v', 'expired__v'] as const
export type ApprovedDocumentStatus = (typeof APPROVED_DOCUMENT_STATUSES)[number]

/** One version of a source document as the CRM reads it (`ALLVERSIONS documents`). */
export interface SourceVersionState {
  readonly major: number
  readonly minor: number
  readonly state: string
}

/** What a CRM shows of an Approved Email source: the version its CrossLink shows and the status. */
export interface PublishedVersion {
  readonly major: number
  readonly minor: number
  readonly status: ApprovedDocumentStatus
}

function newestFirst(a: SourceVersionState, b: SourceVersionState): number {
  return b.major - a.major || b.minor - a.minor
}

/**
 * B19: the status of a source from its versions. Staged while the latest version is staged,
 * approved once approved (a later draft leaves the approved version in force), expired once
 * obsolete; a source that was staged and went back to draft, never approved, is expired too (it is
 * no longer there to test). Undefined: never published, so the CRM gets nothing.
 */
export function publishedVersionOf(versions: readonly SourceVersionState[]): PublishedVersion | undefined {
  const sorted = [...versions].sort(newestFirst)
  const latest = sorted[0]
  if (latest === undefined) return undefined
  if (latest.state === 'staged__v') return { major: latest.major, minor: latest.minor, status: 'staged__v' }
  if (latest.state === 'approved__v')
    return { major: latest.major, minor: latest.minor, status: 'approved__v' }
  if (latest.state === 'obsolete__v')
    return { major: latest.major, minor: latest.minor, status: 'expired__v' }
  const approved = sorted.find((v) => v.state === 'approved__v')
  if (approved !== undefined) return { major: approved.major, minor: approved.minor, status: 'approved__v' }
  const published = sorted.find((v) => (PUBLISHED_STATES as readonly string[]).includes(v.state))
  if (published !== undefined) return { major: published.major, minor: published.minor, status: 'expired__v' }
  return undefined
}
