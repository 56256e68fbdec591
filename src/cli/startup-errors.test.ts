import { createServer } from 'node:net'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { operatorMessage } from './startup-errors.js'

describe('one line an operator can act on when a vault process cannot start', () => {
  it('a port in use names the address and the option that chooses another', async () => {
    const first = createServer()
    await new Promise<void>((done) => first.listen(0, '127.0.0.1', done))
    const { port } = first.address() as { port: number }
    const second = createServer()
    const error = await new Promise<unknown>((done) => {
      second.once('error', done)
      second.listen(port, '127.0.0.1')
    })
    await new Promise((done) => first.close(done))
    expect(operatorMessage(error)).toBe(
      `Another process already listens on 127.0.0.1:${port}: stop it, or start this vault on another --port.`,
    )
  })

  it('a database that does not answer names its address and what to check', async () => {
    const probe = createServer()
    await new Promise<void>((done) => probe.listen(0, '127.0.0.1', done))
    const { port } = probe.address() as { port: number }
    await new Promise((done) => probe.close(done))
    const client = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/x` })
    const error = await client.connect().then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(operatorMessage(error)).toBe(
      `The database at 127.0.0.1:${port} does not answer (ECONNREFUSED): check that the PostgreSQL server runs and that --db names its host and port.`,
    )
  })

  it('any other error keeps its own message', () => {
    expect(operatorMessage(new Error('Unsupported database address "mysql://x".'))).toBe(
      'Unsupported database address "mysql://x".',
    )
  })
})
