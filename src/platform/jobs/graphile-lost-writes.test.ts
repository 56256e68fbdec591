import { describe, expect, it } from 'vitest'
import { isLostJobWrite } from './graphile-lost-writes.js'

function rejection(message: string, frames: readonly string[]): Error {
  const error = new Error(message)
  error.stack = [`Error: ${message}`, ...frames.map((f) => `    at ${f}`)].join('\n')
  return error
}

describe('graphile-worker rejections the process survives', () => {
  it("B24: graphile-worker losing the write of a job's end to a database cut is survived; anything else is not", () => {
    expect(
      isLostJobWrite(
        rejection('Connection terminated unexpectedly', [
          '/app/node_modules/pg-pool/index.js:45:11',
          'async withPgClientFromPool (/app/node_modules/graphile-worker/src/helpers.ts:277:20)',
          'async batchFailJobs (/app/node_modules/graphile-worker/src/sql/failJobs.ts:35:5)',
        ]),
      ),
    ).toBe(true)
    expect(
      isLostJobWrite(
        rejection('read ECONNRESET', [
          'async batchCompleteJobs (/app/node_modules/graphile-worker/dist/sql/completeJobs.js:20:5)',
        ]),
      ),
    ).toBe(true)
    expect(
      isLostJobWrite(
        rejection('oops', ['async receiveClm (/app/src/connection/flows/clm/receive-clm.ts:1:1)']),
      ),
    ).toBe(false)
    expect(isLostJobWrite('a string')).toBe(false)
  })
})
