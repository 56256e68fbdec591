import type { RemoteVault } from '../../../platform/messaging/index.js'
import type { CompiledFieldRule } from '../../rules/index.js'
import { planPresentations, versionOf } from './clm-publication.js'
import { readClmSource } from './receive-clm.js'

/** What a CRM would hold for one Medical presentation (B18's dry run); nothing is written. */
export interface ClmDryRun {
  /** publish, withdraw, blocked (a bad slide), idle (no nodes yet). */
  readonly outcome: string
  readonly reason?: string
  readonly clm_presentation__v?: Readonly<Record<string, unknown>>
  readonly key_message__v?: readonly Readonly<Record<string, unknown>>[]
  readonly clm_presentation_slide__v?: readonly Readonly<Record<string, unknown>>[]
  readonly bad_slides?: readonly Readonly<Record<string, unknown>>[]
}

/**
 * B18's dry run of `clm_integration_rule__v` for a Medical presentation binder: reads it, its nodes
 * and slides as the flow does and answers what the CRM would get (the presentation, one key message
 * per slide, the slide order) or why not (withdrawn, a bad slide, no nodes).
 */
export async function dryRunClm(
  remote: Pick<RemoteVault, 'query'>,
  remoteVaultId: string,
  binderId: string,
  fieldRules: readonly CompiledFieldRule[],
): Promise<ClmDryRun> {
  if (!/^[1-9]\d{0,15}$/.test(binderId)) return { outcome: 'withdraw', reason: 'not a document id' }
  const source = await readClmSource(remote, [binderId], fieldRules)
  const { plans, badSlides } = planPresentations([binderId], source.binders, source.nodes, source.slides)
  const plan = plans[0]!
  const link = (id: string) => `${remoteVaultId}_${id}`
  switch (plan.kind) {
    case 'publish':
      return {
        outcome: 'publish',
        clm_presentation__v: {
          link__v: link(binderId),
          version__v: versionOf(plan.binder),
          status__v: 'active__v',
        },
        key_message__v: [...new Set(plan.slideIds)].map((id) => {
          const slide = source.slides.get(id)!
          return {
            link__v: link(id),
            media_file_name__v: slide.filename__v ?? null,
            version__v: versionOf(slide),
            status__v: 'active__v',
          }
        }),
        clm_presentation_slide__v: plan.slideIds.map((id, i) => ({
          display_order__v: i + 1,
          key_message__v: link(id),
        })),
      }
    case 'withdraw':
      return {
        outcome: 'withdraw',
        reason: plan.reason,
        clm_presentation__v: { link__v: link(binderId), status__v: 'withdrawn__v' },
      }
    case 'blocked':
      return {
        outcome: 'blocked',
        reason: 'a bad slide keeps the presentation from being published or updated',
        bad_slides: badSlides.map((b) => ({ slide: b.slideId, name: b.name, reason: b.reason })),
      }
    default:
      return { outcome: 'idle', reason: 'the binder has no nodes yet: nothing to publish' }
  }
}
