import { createHmac } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { fromBase64Url } from './encoding.ts'
import { findSecretProof, newFindSecret, type FindProofBinding } from './find-secret.ts'

// Computed independently of the code under test, from PROTOCOL §5.3's formula.
function reference(secret: string, b: FindProofBinding): string {
  return createHmac('sha256', Buffer.from(secret, 'utf8'))
    .update(`proof:${b.from}:${b.to}:${b.context}:${b.nonce}:${b.expires}`)
    .digest('hex')
}

const SECRET = 'q6z1Vd3w0bXhS9yJtK2mPA'
const BINDING: FindProofBinding = {
  from: 'a'.repeat(64),
  to: `peer://finder.example/${'b'.repeat(64)}`,
  context: 'ctx-0123456789',
  nonce: 'nonce-0123456789abcdef',
  expires: 1_700_000_120_000,
}

describe('newFindSecret', () => {
  it('is 128 random bits in base64url, fresh each time', () => {
    const secret = newFindSecret()
    expect(secret).toMatch(/^[A-Za-z0-9_-]{22}$/)
    expect(fromBase64Url(secret)).toHaveLength(16)
    expect(newFindSecret()).not.toBe(secret)
  })
})

describe('findSecretProof', () => {
  // The vector was computed with `openssl dgst -sha256 -hmac` over the same string.
  it('matches the fixed HMAC-SHA-256 vector', async () => {
    const expected = reference(SECRET, BINDING)
    expect(expected).toBe('2abb0385721df3912d77230dd4ce7fdcb96224eeb372dfae6ad544dd76731961')
    expect(await findSecretProof(SECRET, BINDING)).toBe(expected)
  })

  it('is deterministic for the same inputs', async () => {
    const a = await findSecretProof(SECRET, BINDING)
    expect(await findSecretProof(SECRET, BINDING)).toBe(a)
    expect(a).toMatch(/^[0-9a-f]{64}$/)
  })

  it('binds the sender, the target, the context, the nonce, the expiry and the secret', async () => {
    const base = await findSecretProof(SECRET, BINDING)
    const changed: FindProofBinding[] = [
      { ...BINDING, from: 'c'.repeat(64) },
      { ...BINDING, to: `peer://finder.example/${'d'.repeat(64)}` },
      { ...BINDING, context: 'ctx-other' },
      { ...BINDING, nonce: BINDING.nonce + 'x' },
      { ...BINDING, expires: BINDING.expires + 1 },
    ]
    for (const b of changed) expect(await findSecretProof(SECRET, b)).not.toBe(base)
    expect(await findSecretProof(newFindSecret(), BINDING)).not.toBe(base)
  })

  it('agrees with node:crypto for any secret and binding', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ minLength: 1, maxLength: 64 }),
        fc.record({
          from: fc.stringMatching(/^[0-9a-f]{64}$/),
          to: fc.string({ maxLength: 80 }),
          context: fc.string({ maxLength: 64 }),
          nonce: fc.string({ maxLength: 64 }),
          expires: fc.nat(),
        }),
        async (secret, binding) => {
          expect(await findSecretProof(secret, binding)).toBe(reference(secret, binding))
        },
      ),
      { numRuns: 100 },
    )
  })
})
