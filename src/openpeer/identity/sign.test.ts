import { describe, expect, it } from 'vitest'
import { generateIdentityKeys, exportPublicJwk, type PublicJwk } from './keys.ts'
import { jcs } from './jcs.ts'
import { signJson, verifyJson, withoutSig } from './sign.ts'

/** A fixed P-256 key pair, generated once with node:crypto for these vectors only. */
const FIXED_PRIVATE_JWK: JsonWebKey = {
  kty: 'EC',
  crv: 'P-256',
  x: 'XeIhLEL61ZisFNHeav8PuNlN06eKTMOeLKOup1v7FWs',
  y: 'qWt2VlY4cGso3A5VNG7wPXAHjBvfRt0rJ2tbKSYtqDs',
  d: 'UXLUGgAGIC1cc2GukHtCyg9hczjeBZXM7h_jkjpQh7I',
}
const FIXED_PUBLIC: PublicJwk = {
  kty: 'EC',
  crv: 'P-256',
  x: 'XeIhLEL61ZisFNHeav8PuNlN06eKTMOeLKOup1v7FWs',
  y: 'qWt2VlY4cGso3A5VNG7wPXAHjBvfRt0rJ2tbKSYtqDs',
}
const FIXED_OBJECT = JSON.parse(
  '{"n":1.0,"id":"vector-1","z":[3,"\\u00e9",null],"\\u00e9":"\\u000f","a":{"y":true,"b":-0}}',
) as Record<string, unknown>
const FIXED_JCS = '{"a":{"b":0,"y":true},"id":"vector-1","n":1,"z":[3,"é",null],"é":"\\u000f"}'
/** ES256 over FIXED_JCS by FIXED_PRIVATE_JWK (node:crypto sign, ieee-p1363), base64url. */
const FIXED_SIG =
  'VjQigXZV94fVs-sD_kv2KMfChU1IrUJA-D8EDRGm6wvyxIqmLG2BBA3wruYtTHxuMmfPy4xH9tJEWtIsJHJBEw'

async function expectSignatureError(p: Promise<unknown>): Promise<void> {
  await expect(p).rejects.toMatchObject({
    name: 'OpenPeerError',
    code: 'ERR_SIGNATURE',
    status: 401,
  })
}

function reordered(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reordered)
  if (value === null || typeof value !== 'object') return value
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(value).reverse()) {
    out[key] = reordered((value as Record<string, unknown>)[key])
  }
  return out
}

const body = { to: 'peer://finder.example/' + 'a'.repeat(64), n: 42, ok: true, nested: { x: 'é' } }

describe('signJson / verifyJson', () => {
  it('round trips: what one key signs verifies under its public key', async () => {
    const keys = await generateIdentityKeys()
    const signed = await signJson(keys.sign.privateKey, body)
    expect(signed.sig).toMatch(/^[A-Za-z0-9_-]{86}$/)
    expect(withoutSig(signed)).toEqual(body)
    await expect(verifyJson(await exportPublicJwk(keys.sign.publicKey), signed)).resolves.toBe(
      undefined,
    )
  })

  it('refuses to sign a body that already carries a sig', async () => {
    const keys = await generateIdentityKeys()
    await expect(signJson(keys.sign.privateKey, { a: 1, sig: 'x' })).rejects.toMatchObject({
      code: 'ERR_INTERNAL',
    })
  })

  it('rejects any tampered, added or removed field with ERR_SIGNATURE', async () => {
    const keys = await generateIdentityKeys()
    const pub = await exportPublicJwk(keys.sign.publicKey)
    const signed = await signJson(keys.sign.privateKey, body)
    const tampered = (patch: object): { sig: string } => ({ ...signed, ...patch })
    await expectSignatureError(verifyJson(pub, tampered({ n: 43 })))
    await expectSignatureError(verifyJson(pub, tampered({ ok: false })))
    await expectSignatureError(verifyJson(pub, tampered({ to: signed.to.replace('a', 'b') })))
    await expectSignatureError(verifyJson(pub, tampered({ nested: { x: 'e' } })))
    await expectSignatureError(verifyJson(pub, tampered({ extra: 1 })))
    const { n: _n, ...withoutN } = signed
    await expectSignatureError(verifyJson(pub, withoutN))
  })

  it('rejects a damaged or malformed signature with ERR_SIGNATURE', async () => {
    const keys = await generateIdentityKeys()
    const pub = await exportPublicJwk(keys.sign.publicKey)
    const signed = await signJson(keys.sign.privateKey, body)
    const flipped =
      signed.sig.slice(0, 10) + (signed.sig[10] === 'A' ? 'B' : 'A') + signed.sig.slice(11)
    await expectSignatureError(verifyJson(pub, { ...signed, sig: flipped }))
    await expectSignatureError(verifyJson(pub, { ...signed, sig: signed.sig.slice(0, 40) }))
    await expectSignatureError(verifyJson(pub, { ...signed, sig: 'not/base64+url=' }))
    await expectSignatureError(verifyJson(pub, { ...signed, sig: '' }))
  })

  it('rejects a signature made by another key with ERR_SIGNATURE', async () => {
    const [alice, mallory] = await Promise.all([generateIdentityKeys(), generateIdentityKeys()])
    const forged = await signJson(mallory.sign.privateKey, body)
    await expectSignatureError(verifyJson(await exportPublicJwk(alice.sign.publicKey), forged))
  })

  it('rejects a signer key that is not a P-256 point with ERR_SIGNATURE', async () => {
    const keys = await generateIdentityKeys()
    const signed = await signJson(keys.sign.privateKey, body)
    const notAPoint: PublicJwk = { kty: 'EC', crv: 'P-256', x: 'A'.repeat(43), y: 'A'.repeat(43) }
    await expectSignatureError(verifyJson(notAPoint, signed))
  })

  it('does not depend on the key order of the object (a reordered copy verifies)', async () => {
    const keys = await generateIdentityKeys()
    const signed = await signJson(keys.sign.privateKey, body)
    const copy = reordered(signed) as typeof signed
    expect(JSON.stringify(copy)).not.toBe(JSON.stringify(signed))
    await verifyJson(await exportPublicJwk(keys.sign.publicKey), copy)
    // and after a trip through the wire
    await verifyJson(await exportPublicJwk(keys.sign.publicKey), JSON.parse(JSON.stringify(copy)))
  })
})

describe('fixed vector', () => {
  it('canonicalises the fixed object to the fixed JCS string', () => {
    expect(jcs(FIXED_OBJECT)).toBe(FIXED_JCS)
  })

  it('verifies the hard-coded signature over the fixed object', async () => {
    await verifyJson(FIXED_PUBLIC, { ...FIXED_OBJECT, sig: FIXED_SIG })
    await verifyJson(FIXED_PUBLIC, { ...(reordered(FIXED_OBJECT) as object), sig: FIXED_SIG })
    const changed: { sig: string } = { ...FIXED_OBJECT, ...{ n: 2 }, sig: FIXED_SIG }
    await expectSignatureError(verifyJson(FIXED_PUBLIC, changed))
  })

  it('signs with the imported non-extractable private key, verifiably', async () => {
    const privateKey = await crypto.subtle.importKey(
      'jwk',
      FIXED_PRIVATE_JWK,
      { name: 'ECDSA', namedCurve: 'P-256' },
      false,
      ['sign'],
    )
    expect(privateKey.extractable).toBe(false)
    await expect(crypto.subtle.exportKey('jwk', privateKey)).rejects.toThrow()
    const signed = await signJson(privateKey, FIXED_OBJECT)
    await verifyJson(FIXED_PUBLIC, signed)
  })
})
