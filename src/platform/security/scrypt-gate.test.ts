import { describe, expect, it } from 'vitest'
import { ScryptGate } from './scrypt-gate.js'

describe('ScryptGate', () => {
  it('runs at most its limit at once, the rest in order, and frees slots on failure', async () => {
    const gate = new ScryptGate(2)
    let running = 0
    let peak = 0
    const order: number[] = []
    const task = (i: number) => async () => {
      running += 1
      peak = Math.max(peak, running)
      await new Promise((resolve) => setTimeout(resolve, 5))
      running -= 1
      order.push(i)
      if (i === 0) throw new Error('derivation failed')
      return i
    }
    const results = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => gate.run(task(i))))
    expect(peak).toBe(2)
    expect(results[0]!.status).toBe('rejected')
    expect(results.slice(1).map((r) => r.status === 'fulfilled' && r.value)).toEqual([1, 2, 3, 4, 5])
    expect(gate.load).toEqual({ running: 0, waiting: 0 })
  })
})
