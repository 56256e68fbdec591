import { describe, expect, it } from 'vitest'
import {
  isYes,
  needsNewKeyMessage,
  planPresentations,
  type SourceNode,
  type SourceRow,
  updateMethodOf,
  versionOf,
} from './clm-publication.js'

const binder = (id: string, extra: Record<string, unknown> = {}): SourceRow => ({
  id,
  name__v: `Deck ${id}`,
  type__v: 'multichannel_presentation__v',
  state__v: 'draft__v',
  clm_content__v: true,
  major_version_number__v: 0,
  minor_version_number__v: 1,
  ...extra,
})

const slide = (id: string, extra: Record<string, unknown> = {}): SourceRow => ({
  id,
  name__v: `Slide ${id}`,
  type__v: 'multichannel_slide__v',
  state__v: 'draft__v',
  clm_content__v: true,
  filename__v: `${id}.pdf`,
  major_version_number__v: 0,
  minor_version_number__v: 1,
  ...extra,
})

const nodes = (binderId: string, ...documentIds: string[]): SourceNode[] =>
  documentIds.map((documentId, i) => ({ binderId, documentId, order: (i + 1) * 10 }))

function plan(
  binders: SourceRow[],
  nodeList: SourceNode[],
  slides: SourceRow[],
  ids = binders.map((b) => String(b.id)),
) {
  return planPresentations(
    ids,
    new Map(binders.map((b) => [String(b.id), b])),
    nodeList,
    new Map(slides.map((s) => [String(s.id), s])),
  )
}

describe('B18: when a presentation publishes', () => {
  it('B18: publishes a binder with Publish for CRM (CLM) = Yes and good slides, in node order, in any lifecycle state', () => {
    const shuffled = [...nodes('1', 's2', 's1')].reverse()
    const { plans, badSlides } = plan([binder('1', { state__v: 'in_review__v' })], shuffled, [
      slide('s1'),
      slide('s2'),
    ])
    expect(plans).toEqual([
      expect.objectContaining({ kind: 'publish', binderId: '1', slideIds: ['s2', 's1'] }),
    ])
    expect(badSlides).toEqual([])
  })

  it('B18: withdraws a binder that is gone, set to No, or obsolete; a binder without nodes changes nothing', () => {
    const { plans } = plan(
      [binder('2', { clm_content__v: false }), binder('3', { state__v: 'obsolete__v' }), binder('4')],
      [],
      [],
      ['1', '2', '3', '4'],
    )
    expect(plans.map((p) => p.kind)).toEqual(['withdraw', 'withdraw', 'withdraw', 'idle'])
  })

  it('B18: a bad slide blocks every presentation using it and is reported once naming them all; the others go on', () => {
    const { plans, badSlides } = plan(
      [binder('1'), binder('2'), binder('3')],
      [...nodes('1', 'good', 'bad'), ...nodes('2', 'bad'), ...nodes('3', 'good')],
      [slide('good'), slide('bad', { clm_content__v: false })],
    )
    expect(plans.map((p) => p.kind)).toEqual(['blocked', 'blocked', 'publish'])
    expect(badSlides).toHaveLength(1)
    expect(badSlides[0]).toMatchObject({ slideId: 'bad', reason: 'has Publish for CRM (CLM) = No' })
    expect([...badSlides[0]!.presentations.keys()]).toEqual(['1', '2'])
  })

  it('B18, B23: a slide without a file, a node that is not a slide, a slide twice in one binder and a slide no longer there are bad slides', () => {
    const { plans, badSlides } = plan([binder('1')], nodes('1', 'nofile', 'ref', 'twice', 'twice', 'gone'), [
      slide('nofile', { filename__v: null }),
      slide('ref', { type__v: 'reference_document__v' }),
      slide('twice'),
    ])
    expect(plans[0]!.kind).toBe('blocked')
    expect(badSlides.map((b) => [b.slideId, b.reason])).toEqual([
      ['nofile', 'has no file'],
      ['ref', expect.stringContaining('not a multichannel_slide__v')],
      ['twice', expect.stringContaining('two positions')],
      ['gone', 'is no longer in the Medical Vault'],
    ])
  })
})

describe('B18: slide updates', () => {
  it('B18: updates a key message in place unless the method is new_key_message__v and an approved version is followed by a newer one', () => {
    const v = (major: number, method?: string) =>
      slide('s', {
        major_version_number__v: major,
        minor_version_number__v: 0,
        crm_slide_update_method__v: method,
      })
    expect(needsNewKeyMessage(v(2), '1.0')).toBe(false)
    expect(needsNewKeyMessage(v(2, 'update_in_place__v'), '1.0')).toBe(false)
    expect(needsNewKeyMessage(v(2, 'new_key_message__v'), '1.0')).toBe(true)
    expect(needsNewKeyMessage(v(2, 'new_key_message__v'), '1.1')).toBe(true)
    // The first approval of a draft, and a repeat of the version shown, update in place.
    expect(needsNewKeyMessage(v(1, 'new_key_message__v'), '0.3')).toBe(false)
    expect(needsNewKeyMessage(v(2, 'new_key_message__v'), '2.0')).toBe(false)
  })

  it('reads picklists, Yes/No values and versions as VQL answers them', () => {
    expect(updateMethodOf({ crm_slide_update_method__v: ['new_key_message__v'] })).toBe('new_key_message__v')
    expect(updateMethodOf({})).toBe('update_in_place__v')
    expect([isYes(true), isYes('true'), isYes([true]), isYes(false), isYes(null)]).toEqual([
      true,
      true,
      true,
      false,
      false,
    ])
    expect(versionOf({ major_version_number__v: 1, minor_version_number__v: 0 })).toBe('1.0')
  })
})
