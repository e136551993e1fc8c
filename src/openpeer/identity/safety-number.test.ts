import { pbkdf2Sync } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { safetyNumber } from './safety-number.ts'

// Computed independently of the code under test, from the construction in docs/safety-numbers.md.
function referenceHalf(contactId: string): string {
  const bits = pbkdf2Sync(
    Buffer.from(contactId, 'hex'),
    'opw-safety-number-v1',
    100_000,
    30,
    'sha256',
  )
  let digits = ''
  for (let i = 0; i < 6; i++) digits += String(bits.readUIntBE(i * 5, 5) % 100_000).padStart(5, '0')
  return digits
}

const A = 'a'.repeat(64)
const B = 'b'.repeat(64)
const VECTOR = '00631 73841 32269 44688 33334 79994 36141 66563 68604 39194 15095 55703'
const hex64 = fc
  .uint8Array({ minLength: 32, maxLength: 32 })
  .map((b) => Buffer.from(b).toString('hex'))

describe('safetyNumber', () => {
  it('matches the fixed vector, which the reference construction gives too', async () => {
    expect([referenceHalf(A), referenceHalf(B)].sort().join('')).toBe(VECTOR.replace(/ /g, ''))
    expect(await safetyNumber(A, B)).toBe(VECTOR)
  })

  it('is 12 groups of 5 digits, the same whichever side computes it', async () => {
    await fc.assert(
      fc.asyncProperty(hex64, hex64, async (x, y) => {
        const mine = await safetyNumber(x, y)
        expect(mine).toMatch(/^\d{5}( \d{5}){11}$/)
        expect(await safetyNumber(y, x)).toBe(mine)
      }),
      { numRuns: 8 },
    )
  })

  it('changes when either key changes: a swapped peer file shows another number', async () => {
    const real = await safetyNumber(A, B)
    const swappedTheirs = await safetyNumber(A, 'c'.repeat(64))
    const swappedMine = await safetyNumber('c'.repeat(64), B)
    // One bit of difference in a contact id is enough.
    const oneBit = await safetyNumber(A, `${'b'.repeat(63)}a`)
    for (const other of [swappedTheirs, swappedMine, oneBit]) expect(other).not.toBe(real)
  })

  it('refuses what is not a contact id', async () => {
    await expect(safetyNumber(A, 'B'.repeat(64))).rejects.toMatchObject({ code: 'ERR_URI' })
    await expect(safetyNumber(A, 'b'.repeat(63))).rejects.toMatchObject({ code: 'ERR_URI' })
  })
})
