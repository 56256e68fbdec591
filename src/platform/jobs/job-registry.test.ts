import { describe, expect, it } from 'vitest'
import { LiaisonError } from '../errors/index.js'
import { JobRegistry } from './job-registry.js'
import { defineJobTask } from './job-task.js'

function assertCount(payload: unknown): { readonly count: number } {
  const count =
    typeof payload === 'object' && payload !== null ? (payload as { count?: unknown }).count : undefined
  if (typeof count !== 'number')
    throw new LiaisonError('INTERNAL', `Not a count: ${JSON.stringify(payload)}.`)
  return { count }
}

const COUNT_TASK = defineJobTask('count', assertCount)
const context = { attempt: 1, maxAttempts: 3, jobKey: undefined }

describe('JobRegistry', () => {
  it('refuses to give the runner its handlers while a registered task has none', () => {
    const registry = new JobRegistry()
    registry.register(COUNT_TASK)
    expect(() => registry.runnerHandlers('crm')).toThrow(
      /Vault crm registers the job task count without a handler/,
    )
    registry.handle(COUNT_TASK, async () => {})
    expect(Object.keys(registry.runnerHandlers('crm'))).toEqual(['count'])
  })

  it("checks a stored payload with its task's assertion before the handler sees it", async () => {
    const registry = new JobRegistry()
    const seen: number[] = []
    registry.handle(COUNT_TASK, async ({ count }) => void seen.push(count))
    const run = registry.runnerHandlers('crm').count!
    await run({ count: 2 }, context)
    await expect(run({ count: 'two' }, context)).rejects.toThrow(/Not a count/)
    expect(seen).toEqual([2])
  })

  it('runs the handler set last, even after the runner took its handlers', async () => {
    const registry = new JobRegistry()
    const seen: string[] = []
    registry.handle(COUNT_TASK, async () => void seen.push('first'))
    const run = registry.runnerHandlers('crm').count!
    registry.handle(COUNT_TASK, async () => void seen.push('second'))
    await run({ count: 1 }, context)
    expect(seen).toEqual(['second'])
  })

  it('refuses two different tasks of one name', () => {
    const registry = new JobRegistry()
    registry.register(COUNT_TASK)
    expect(() => registry.register(defineJobTask('count', assertCount))).toThrow(
      /Two job tasks are named count/,
    )
  })
})
