import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import { fromBase64Url } from './encoding.ts'
import { exportPublicJwk, generateIdentityKeys, type IdentityKeys, type PublicJwk } from './keys.ts'
import { seal, unseal, type Sealed } from './seal.ts'

/** `text` with the character at `i` replaced by another base64url character. */
function flip(text: string, i = Math.floor(text.length / 2)): string {
  return text.slice(0, i) + (text[i] === 'A' ? 'B' : 'A') + text.slice(i + 1)
}

describe('seal / unseal', () => {
  let bob: IdentityKeys
  let bobBox: PublicJwk
  let carol: IdentityKeys

  beforeAll(async () => {
    ;[bob, carol] = await Promise.all([generateIdentityKeys(), generateIdentityKeys()])
    bobBox = await exportPublicJwk(bob.box.publicKey)
  })

  async function expectSealError(
    sealed: Sealed,
    purpose = 'sdp',
    key = bob.box.privateKey,
  ): Promise<void> {
    await expect(unseal(key, sealed, purpose)).rejects.toMatchObject({
      name: 'OpenPeerError',
      code: 'ERR_SEAL',
      status: 401,
    })
  }

  it.each([
    null,
    true,
    0,
    -12.5,
    '',
    'héllo 😀 \u2028',
    [],
    {},
    [1, 'two', { three: [null] }],
    { sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n', location: { id: 'loc-1', label: 'laptop' } },
  ])('round trips %j', async (value) => {
    const sealed = await seal(bobBox, value, 'sdp')
    expect(await unseal(bob.box.privateKey, sealed, 'sdp')).toEqual(value)
  })

  it('round trips a large value', async () => {
    const value = { blob: 'x'.repeat(60_000) }
    expect(await unseal(bob.box.privateKey, await seal(bobBox, value, 'sdp'), 'sdp')).toEqual(value)
  })

  it('round trips arbitrary JSON values', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 3 }), async (value) => {
        const opened = await unseal(bob.box.privateKey, await seal(bobBox, value, 'p'), 'p')
        expect(opened).toEqual(JSON.parse(JSON.stringify(value)))
      }),
      { numRuns: 30 },
    )
  })

  it('hides the payload and carries an ephemeral P-256 point', async () => {
    const sealed = await seal(bobBox, { sdp: 'secret-fingerprint-AB:CD' }, 'sdp')
    expect(JSON.stringify(sealed)).not.toContain('secret')
    expect(Object.keys(sealed).sort()).toEqual(['ct', 'epk', 'iv'])
    const epk = fromBase64Url(sealed.epk)
    expect(epk).toHaveLength(65)
    expect(epk[0]).toBe(4)
    expect(fromBase64Url(sealed.iv)).toHaveLength(12)
  })

  it('gives a different sealed form each time for the same value', async () => {
    const [a, b] = await Promise.all([seal(bobBox, 'same', 'sdp'), seal(bobBox, 'same', 'sdp')])
    expect(a.epk).not.toBe(b.epk)
    expect(a.iv).not.toBe(b.iv)
    expect(a.ct).not.toBe(b.ct)
  })

  it('refuses to open under another purpose (ERR_SEAL)', async () => {
    const sealed = await seal(bobBox, { candidate: 'x' }, 'sdp')
    await expectSealError(sealed, 'candidate')
    await expectSealError(sealed, 'sdp ')
    await expectSealError(sealed, '')
  })

  it('refuses a tampered ct, iv or epk (ERR_SEAL)', async () => {
    const sealed = await seal(bobBox, { sdp: 'v=0' }, 'sdp')
    await expectSealError({ ...sealed, ct: flip(sealed.ct) })
    await expectSealError({ ...sealed, ct: flip(sealed.ct, 0) })
    await expectSealError({ ...sealed, ct: sealed.ct.slice(0, -4) })
    await expectSealError({ ...sealed, ct: '' })
    await expectSealError({ ...sealed, iv: flip(sealed.iv) })
    await expectSealError({ ...sealed, iv: sealed.iv.slice(0, 12) })
    await expectSealError({ ...sealed, epk: flip(sealed.epk) })
    await expectSealError({ ...sealed, epk: 'not base64url!' })
  })

  it("refuses another seal's ephemeral key or iv (ERR_SEAL)", async () => {
    const [a, b] = await Promise.all([seal(bobBox, 'one', 'sdp'), seal(bobBox, 'one', 'sdp')])
    await expectSealError({ ...a, epk: b.epk })
    await expectSealError({ ...a, iv: b.iv })
  })

  it('opens a fixed vector sealed independently with node:crypto (opw1 scheme)', async () => {
    // ECDH P-256 with an ephemeral key; HKDF-SHA-256, salt = raw epk, info = "opw1 seal <purpose>";
    // AES-256-GCM with the purpose as additional data; plaintext = JSON.
    const boxPrivate = await crypto.subtle.importKey(
      'jwk',
      {
        kty: 'EC',
        crv: 'P-256',
        x: 'F_5eGiJzou8j6ynyqqYTwrZabtARk3jhzWx95-Aj0TU',
        y: 'hDTE3hKJ47C-LdbW3IuzfGGtj9Q2xFej2egAsDjhvF0',
        d: '4vowpMD9WvB49idyy_1lecVRXG8-Q_UlEU0EI7xzInA',
      },
      { name: 'ECDH', namedCurve: 'P-256' },
      false,
      ['deriveBits'],
    )
    const sealed: Sealed = {
      epk: 'BFDNg5Y5dkSHuFGJZIQJgsHpgu4orV_Y5xPospOfgsa-Hj6aQEGUubV1YDCDq0eRX88yULBeOZ1QjWjXQB7S0FE',
      iv: 'rMowDnJ0gLozIHin',
      ct: 'AdzwNGsf0OWTQNQTAZ9pukyNQRRAUcDlAPP8BGzJXRfspDU',
    }
    expect(await unseal(boxPrivate, sealed, 'sdp')).toEqual({ sdp: 'v=0', n: 1 })
    await expectSealError(sealed, 'candidate', boxPrivate)
    await expectSealError(sealed, 'sdp')
  })

  it('cannot be opened by anyone but the recipient (ERR_SEAL)', async () => {
    const toCarol = await seal(await exportPublicJwk(carol.box.publicKey), { sdp: 'v=0' }, 'sdp')
    await expectSealError(toCarol)
    expect(await unseal(carol.box.privateKey, toCarol, 'sdp')).toEqual({ sdp: 'v=0' })
  })
})
