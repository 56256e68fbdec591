/** A Case Contact as matching sees it. */
export interface ContactCandidate {
  readonly id: string
  readonly veeva_id__v: string | null
  readonly external_id__v: string | null
  readonly crm_org__v: string | null
  readonly crm_id__v: string | null
}

export interface ContactKeys {
  readonly veevaId: string | null
  readonly externalId: string | null
  readonly crmOrg: string
  readonly crmId: string | null
}

export type ContactMatch =
  | {
      readonly kind: 'matched'
      readonly id: string
      readonly by: 'veeva_id__v' | 'external_id__v' | 'crm_id__v'
    }
  | { readonly kind: 'new' }

export interface ContactMatchResult {
  readonly match: ContactMatch
  /** Set when candidates matched different keys: the first key won, the others were not merged (B7a). */
  readonly conflict?: string
}

/**
 * B7a: Veeva ID first, then External ID, then the same CRM account (`crm_org__v` + `crm_id__v`);
 * a contact is created only when none matches. Candidates that match different keys are never
 * merged: the first key wins and the conflict is reported.
 */
export function matchCaseContact(
  keys: ContactKeys,
  candidates: readonly ContactCandidate[],
): ContactMatchResult {
  const byVeeva = keys.veevaId === null ? undefined : candidates.find((c) => c.veeva_id__v === keys.veevaId)
  const byExternal =
    keys.externalId === null ? undefined : candidates.find((c) => c.external_id__v === keys.externalId)
  const byCrm =
    keys.crmId === null
      ? undefined
      : candidates.find((c) => c.crm_org__v === keys.crmOrg && c.crm_id__v === keys.crmId)
  const found = [
    byVeeva && { id: byVeeva.id, by: 'veeva_id__v' as const },
    byExternal && { id: byExternal.id, by: 'external_id__v' as const },
    byCrm && { id: byCrm.id, by: 'crm_id__v' as const },
  ].filter((f): f is { id: string; by: 'veeva_id__v' | 'external_id__v' | 'crm_id__v' } => f !== undefined)
  const first = found[0]
  if (first === undefined) return { match: { kind: 'new' } }
  const others = found.filter((f) => f.id !== first.id)
  return {
    match: { kind: 'matched', id: first.id, by: first.by },
    ...(others.length === 0
      ? {}
      : {
          conflict: `Case Contact ${first.id} matched by ${first.by}, but ${others
            .map((o) => `${o.id} matched by ${o.by}`)
            .join(
              ' and ',
            )}; they were not merged. Review the contacts and merge them if they are the same person.`,
        }),
  }
}
