// @vitest-environment node
import { describe, expect, it } from 'vitest'
import {
  exportPublicJwk,
  generateIdentityKeys,
  signJson,
  verifyJson,
} from '../src/openpeer/identity/index.ts'
import { verifyReused, verifySigned } from './verify.ts'

const codeOf = (p: Promise<void>) =>
  p.then(
    () => 'ok',
    (e: { code?: string }) => e.code ?? 'threw',
  )

/**
 * The library's verdict on one input, once both of the finder's checks (one-off and with the
 * key kept, asked twice so the second finds it kept) said the same.
 */
async function verdicts(
  signer: Parameters<typeof verifyJson>[0],
  signed: { sig: string },
): Promise<[string, string]> {
  const library = await codeOf(verifyJson(signer, signed))
  const finder = [
    await codeOf(verifySigned(signer, signed)),
    await codeOf(verifyReused(signer, signed)),
    await codeOf(verifyReused(signer, signed)),
  ]
  expect(new Set(finder)).toEqual(new Set([finder[0]]))
  return [library, finder[0]!]
}

describe('verifySigned and verifyReused', () => {
  it('agrees with verifyJson: a good signature, a tampered body, another key, a bad sig', async () => {
    const [alice, eve] = await Promise.all([generateIdentityKeys(), generateIdentityKeys()])
    const aliceJwk = await exportPublicJwk(alice.sign.publicKey)
    const signed = await signJson(alice.sign.privateKey, {
      hello: 'world',
      n: 1,
      nested: { a: [1, 2] },
    })
    expect(await verdicts(aliceJwk, signed)).toEqual(['ok', 'ok'])
    const tampered = { ...signed, n: 2 }
    expect(await verdicts(aliceJwk, tampered)).toEqual(['ERR_SIGNATURE', 'ERR_SIGNATURE'])
    expect(await verdicts(await exportPublicJwk(eve.sign.publicKey), signed)).toEqual([
      'ERR_SIGNATURE',
      'ERR_SIGNATURE',
    ])
    expect(await verdicts(aliceJwk, { ...signed, sig: '***' })).toEqual([
      'ERR_SIGNATURE',
      'ERR_SIGNATURE',
    ])
    // A signature of the wrong length.
    expect(await verdicts(aliceJwk, { ...signed, sig: signed.sig.slice(0, 40) })).toEqual([
      'ERR_SIGNATURE',
      'ERR_SIGNATURE',
    ])
  })

  it('refuses a key that is not a P-256 point, off the curve or of the wrong size', async () => {
    const keys = await generateIdentityKeys()
    const signed = await signJson(keys.sign.privateKey, { hello: 'world' })
    const offCurve = { kty: 'EC', crv: 'P-256', x: 'A'.repeat(43), y: 'B'.repeat(43) } as const
    expect(await verdicts(offCurve, signed)).toEqual(['ERR_SIGNATURE', 'ERR_SIGNATURE'])
    const jwk = await exportPublicJwk(keys.sign.publicKey)
    const short = { ...jwk, x: jwk.x.slice(0, 40) }
    expect(await codeOf(verifySigned(short, signed))).toBe('ERR_SIGNATURE')
    expect(await codeOf(verifyReused(short, signed))).toBe('ERR_SIGNATURE')
  })
})
