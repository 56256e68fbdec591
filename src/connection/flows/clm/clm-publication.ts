/**
 * B18 as a pure rule, stated once and tested on its own: given what the Medical Vault holds now (a
 * presentation binder, its nodes in order, its slides), what a CRM should do with the presentation.
 *
 * - publish: the binder has Publish for CRM (CLM) = Yes, is not obsolete, has at least one node, and
 *   every node is a distinct `multichannel_slide__v` with Publish for CRM (CLM) = Yes and a file;
 * - withdraw: the binder is gone, is no presentation, has Publish for CRM (CLM) = No, or is obsolete;
 * - blocked: a bad slide keeps the presentation from being published or updated (its CRM records
 *   stay as they are); each bad slide is reported once, naming every presentation it blocks;
 * - idle: a presentation without nodes has nothing to publish yet, and nothing changes.
 */

export const PRESENTATION_TYPE = 'multichannel_presentation__v'
export const SLIDE_TYPE = 'multichannel_slide__v'
/** The obsolete state of the medical content lifecycle (its `obsolete_state__sys`). */
export const OBSOLETE_STATE = 'obsolete__v'

/** A Medical document as the CRM's VQL callback reads it. */
export type SourceRow = Readonly<Record<string, unknown>>

/** One node of a binder: which document sits at which position. */
export interface SourceNode {
  readonly binderId: string
  readonly documentId: string
  readonly order: number
}

export type PresentationPlan =
  | {
      readonly kind: 'publish'
      readonly binderId: string
      readonly binder: SourceRow
      readonly slideIds: readonly string[]
    }
  | { readonly kind: 'withdraw'; readonly binderId: string; readonly reason: string }
  | { readonly kind: 'blocked'; readonly binderId: string }
  | { readonly kind: 'idle'; readonly binderId: string }

/** A slide that keeps presentations from being published, with why and which. */
export interface BadSlide {
  readonly slideId: string
  readonly name: string
  readonly reason: string
  /** Binder id → name, in the order met. */
  readonly presentations: ReadonlyMap<string, string>
}

/** A Yes/No value as VQL answers it (true, "true", a one-element list). */
export function isYes(value: unknown): boolean {
  if (Array.isArray(value)) return value.length === 1 && isYes(value[0])
  return value === true || value === 'true' || value === 1
}

/** Why a node cannot be published, or undefined when it can. */
function slideProblem(slide: SourceRow | undefined, repeated: boolean): string | undefined {
  if (slide === undefined) return 'is no longer in the Medical Vault'
  if (slide.type__v !== SLIDE_TYPE)
    return `is a ${String(slide.type__v)} document, not a multichannel_slide__v; a presentation holds slides only`
  if (repeated) return 'sits in two positions of one presentation; a slide appears once in a presentation'
  if (!isYes(slide.clm_content__v)) return 'has Publish for CRM (CLM) = No'
  if (slide.filename__v === null || slide.filename__v === undefined || slide.filename__v === '')
    return 'has no file'
  return undefined
}

/** What each presentation named in a message should become, and the bad slides that block some. */
export function planPresentations(
  binderIds: readonly string[],
  binders: ReadonlyMap<string, SourceRow>,
  nodes: readonly SourceNode[],
  slides: ReadonlyMap<string, SourceRow>,
): { readonly plans: PresentationPlan[]; readonly badSlides: BadSlide[] } {
  const plans: PresentationPlan[] = []
  const bad = new Map<string, { name: string; reason: string; presentations: Map<string, string> }>()
  for (const binderId of binderIds) {
    const binder = binders.get(binderId)
    if (binder === undefined) {
      plans.push({ kind: 'withdraw', binderId, reason: 'deleted' })
      continue
    }
    if (binder.type__v !== PRESENTATION_TYPE) {
      plans.push({ kind: 'withdraw', binderId, reason: 'not a presentation' })
      continue
    }
    if (!isYes(binder.clm_content__v)) {
      plans.push({ kind: 'withdraw', binderId, reason: 'Publish for CRM (CLM) = No' })
      continue
    }
    if (binder.state__v === OBSOLETE_STATE) {
      plans.push({ kind: 'withdraw', binderId, reason: 'obsolete' })
      continue
    }
    const own = nodes.filter((n) => n.binderId === binderId).sort((a, b) => a.order - b.order)
    if (own.length === 0) {
      plans.push({ kind: 'idle', binderId })
      continue
    }
    const seen = new Set<string>()
    let blocked = false
    for (const node of own) {
      const slide = slides.get(node.documentId)
      const problem = slideProblem(slide, seen.has(node.documentId))
      seen.add(node.documentId)
      if (problem === undefined) continue
      blocked = true
      const entry = bad.get(node.documentId) ?? {
        name: slide === undefined ? `document ${node.documentId}` : String(slide.name__v),
        reason: problem,
        presentations: new Map<string, string>(),
      }
      entry.presentations.set(binderId, String(binder.name__v))
      bad.set(node.documentId, entry)
    }
    plans.push(
      blocked
        ? { kind: 'blocked', binderId }
        : { kind: 'publish', binderId, binder, slideIds: own.map((n) => n.documentId) },
    )
  }
  return {
    plans,
    badSlides: [...bad].map(([slideId, b]) => ({ slideId, ...b })),
  }
}

/** `major.minor` of a source row. */
export function versionOf(row: SourceRow): string {
  return `${Number(row.major_version_number__v)}.${Number(row.minor_version_number__v)}`
}

/** The major number of a `major.minor` text, or undefined. */
export function majorOf(version: unknown): number | undefined {
  const match = /^(\d+)\.\d+$/.exec(String(version ?? ''))
  return match === null ? undefined : Number(match[1])
}

/** The slide's update method as VQL answers a picklist (a list of names, or one name). */
export function updateMethodOf(slide: SourceRow): 'update_in_place__v' | 'new_key_message__v' {
  const raw = slide.crm_slide_update_method__v
  const value = Array.isArray(raw) ? raw[0] : raw
  return value === 'new_key_message__v' ? 'new_key_message__v' : 'update_in_place__v'
}

/**
 * B18 "Changes": a new approved version of a slide makes a new key message when its update method
 * is `new_key_message__v` and the key message shows an earlier approved version (major ≥ 1); the
 * draft versions before the first approval, and every other case, update the key message in place.
 */
export function needsNewKeyMessage(slide: SourceRow, keyMessageVersion: unknown): boolean {
  if (updateMethodOf(slide) !== 'new_key_message__v') return false
  const shown = majorOf(keyMessageVersion)
  return shown !== undefined && shown >= 1 && Number(slide.major_version_number__v) > shown
}
