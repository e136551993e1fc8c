import { describe, expect, it } from 'vitest'
import { PieceGuard, fnv } from './guard.ts'

const block = (fill: number): Uint8Array => new Uint8Array(16 * 1024).fill(fill)

function guard(have: Set<number> = new Set()) {
  const banned: string[] = []
  const g = new PieceGuard<string>(
    (conn) => banned.push(conn),
    (i) => have.has(i),
  )
  return { g, banned }
}

describe('PieceGuard', () => {
  it('drops the only sender of a piece that fails its hash', () => {
    const { g, banned } = guard()
    g.onBlock('mallory', 3, 0, block(1))
    g.onBlock('mallory', 3, 16384, block(2))
    g.onFailed(3)
    expect(banned).toEqual(['mallory'])
  })

  it('with several senders, drops only the one whose block differs from the verified copy', () => {
    const { g, banned } = guard()
    g.onBlock('alice', 7, 0, block(1))
    g.onBlock('mallory', 7, 16384, block(9)) // the lie
    g.onBlock('bob', 7, 32768, block(3))
    g.onFailed(7)
    expect(banned).toEqual([])
    // Fetched again; this time every block is right.
    g.onBlock('bob', 7, 0, block(1))
    g.onBlock('alice', 7, 16384, block(2))
    g.onBlock('alice', 7, 32768, block(3))
    g.onVerified(7)
    expect(banned).toEqual(['mallory'])
  })

  it('ignores late duplicates of pieces it has, and keeps nothing once a piece verifies', () => {
    const have = new Set<number>([1])
    const { g, banned } = guard(have)
    g.onBlock('x', 1, 0, block(5))
    g.onFailed(1)
    g.onBlock('y', 2, 0, block(1))
    g.onVerified(2)
    g.onFailed(2) // nothing in flight any more
    expect(banned).toEqual([])
  })

  it('digests tell blocks apart', () => {
    expect(fnv(block(1))).not.toBe(fnv(block(2)))
    expect(fnv(block(1))).toBe(fnv(block(1)))
  })
})
