import { createHmac } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { fromBase64Url } from './encoding.ts'
import { findSecretProof, newFindSecret } from './find-secret.ts'

function reference(secret: string, nonce: string, expires: number): string {
  return createHmac('sha256', Buffer.from(secret, 'utf8'))
    .update(`proof:${nonce}:${expires}`)
    .digest('hex')
}

const SECRET = 'q6z1Vd3w0bXhS9yJtK2mPA'
const NONCE = 'nonce-0123456789abcdef'
const EXPIRES = 1_700_000_120_000

describe('newFindSecret', () => {
  it('is 128 random bits in base64url, fresh each time', () => {
    const secret = newFindSecret()
    expect(secret).toMatch(/^[A-Za-z0-9_-]{22}$/)
    expect(fromBase64Url(secret)).toHaveLength(16)
    expect(newFindSecret()).not.toBe(secret)
  })
})

describe('findSecretProof', () => {
  it('matches the fixed HMAC-SHA-256 vector', async () => {
    const expected = 'e4854703fb6e8012b46129578bc13472c3efd7c0d989e1347462155ba3909c7f'
    expect(reference(SECRET, NONCE, EXPIRES)).toBe(expected)
    expect(await findSecretProof(SECRET, NONCE, EXPIRES)).toBe(expected)
  })

  it('is deterministic for the same inputs', async () => {
    const a = await findSecretProof(SECRET, NONCE, EXPIRES)
    expect(await findSecretProof(SECRET, NONCE, EXPIRES)).toBe(a)
    expect(a).toMatch(/^[0-9a-f]{64}$/)
  })

  it('changes with the nonce, the expiry and the secret', async () => {
    const base = await findSecretProof(SECRET, NONCE, EXPIRES)
    expect(await findSecretProof(SECRET, NONCE + 'x', EXPIRES)).not.toBe(base)
    expect(await findSecretProof(SECRET, NONCE, EXPIRES + 1)).not.toBe(base)
    expect(await findSecretProof(newFindSecret(), NONCE, EXPIRES)).not.toBe(base)
  })

  it('agrees with node:crypto for any secret, nonce and expiry', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ minLength: 1, maxLength: 64 }),
        fc.string({ maxLength: 64 }),
        fc.nat(),
        async (secret, nonce, expires) => {
          expect(await findSecretProof(secret, nonce, expires)).toBe(
            reference(secret, nonce, expires),
          )
        },
      ),
      { numRuns: 100 },
    )
  })
})
