import { describe, expect, it } from 'vitest'
import { ManualClock } from '../clock/index.js'
import { BurstLimiter } from './burst-limiter.js'

describe('BurstLimiter', () => {
  it('defaults to 2,000 calls per 5 minutes', () => {
    const limiter = new BurstLimiter({ clock: new ManualClock() })
    expect(limiter.take()).toEqual({ limit: 2000, remaining: 1999, delayMs: 0 })
  })

  it('counts down, then delays every call over the limit by 500 ms without rejecting it', () => {
    const clock = new ManualClock('2026-01-01T00:00:00.000Z')
    const limiter = new BurstLimiter({ clock, limit: 3, windowMs: 60_000 })
    expect(limiter.take()).toEqual({ limit: 3, remaining: 2, delayMs: 0 })
    expect(limiter.take()).toEqual({ limit: 3, remaining: 1, delayMs: 0 })
    expect(limiter.take()).toEqual({ limit: 3, remaining: 0, delayMs: 0 })
    for (let i = 0; i < 10; i++) expect(limiter.take()).toEqual({ limit: 3, remaining: 0, delayMs: 500 })
  })

  it('uses a fixed window: calls late in one window do not count in the next', () => {
    const clock = new ManualClock('2026-01-01T00:00:00.000Z')
    const limiter = new BurstLimiter({ clock, limit: 2, windowMs: 60_000 })
    clock.advance(59_000)
    limiter.take()
    limiter.take()
    expect(limiter.take().delayMs).toBe(500)
    clock.advance(999)
    expect(limiter.take().delayMs).toBe(500)
    clock.advance(1)
    expect(limiter.take()).toEqual({ limit: 2, remaining: 1, delayMs: 0 })
  })

  it('keeps separate counts per instance (one per vault)', () => {
    const clock = new ManualClock()
    const a = new BurstLimiter({ clock, limit: 1 })
    const b = new BurstLimiter({ clock, limit: 1 })
    a.take()
    expect(a.take().delayMs).toBe(500)
    expect(b.take()).toEqual({ limit: 1, remaining: 0, delayMs: 0 })
  })

  it('gives each connection a budget of its own, apart from people', () => {
    const clock = new ManualClock('2026-01-01T00:00:00.000Z')
    const limiter = new BurstLimiter({ clock, limit: 1, connectionLimit: 2, windowMs: 60_000 })
    expect(limiter.take().delayMs).toBe(0)
    expect(limiter.take().delayMs).toBe(500)
    // People are over their budget; a connection's signed calls are not held by it.
    expect(limiter.takeForConnection('C1')).toEqual({ limit: 2, remaining: 1, delayMs: 0 })
    expect(limiter.takeForConnection('C1')).toEqual({ limit: 2, remaining: 0, delayMs: 0 })
    expect(limiter.takeForConnection('C1').delayMs).toBe(500)
    // Nor does one connection spend another's budget, or people's.
    expect(limiter.takeForConnection('C2')).toEqual({ limit: 2, remaining: 1, delayMs: 0 })
    clock.advance(60_000)
    expect(limiter.take()).toEqual({ limit: 1, remaining: 0, delayMs: 0 })
  })

  it('defaults to 100,000 signed calls per connection per window', () => {
    const limiter = new BurstLimiter({ clock: new ManualClock() })
    expect(limiter.takeForConnection('C1')).toEqual({ limit: 100_000, remaining: 99_999, delayMs: 0 })
  })

  it('reports the burst left and the calls of the UTC day without counting a call, the day starting again at midnight', () => {
    const clock = new ManualClock('2026-01-01T23:58:00.000Z')
    const limiter = new BurstLimiter({ clock, limit: 5, windowMs: 60_000 })
    limiter.take()
    limiter.take()
    expect(limiter.usage()).toEqual({
      burstLimit: 5,
      burstRemaining: 3,
      burstWindowEndsMs: Date.parse('2026-01-01T23:59:00.000Z'),
      dailyCalls: 2,
    })
    clock.advance(60_000)
    limiter.take()
    expect(limiter.usage()).toMatchObject({ burstRemaining: 4, dailyCalls: 3 })
    clock.advance(60_000)
    expect(limiter.usage()).toMatchObject({ burstRemaining: 5, dailyCalls: 0 })
  })
})
