import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import { fromBase64Url } from './encoding.ts'
import { exportPublicJwk, generateIdentityKeys, type IdentityKeys, type PublicJwk } from './keys.ts'
import {
  seal,
  sealOnChannel,
  sealOpening,
  unseal,
  unsealOnChannel,
  unsealOpening,
  type ChannelSealed,
  type Sealed,
} from './seal.ts'

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

  describe('channels a seal opens (one key agreement per direction of a find exchange)', () => {
    async function openChannel(label = 'signal ctx-1 initiator') {
      const sent = await sealOpening(bobBox, { hello: 1 }, 'find', label)
      const got = await unsealOpening(bob.box.privateKey, sent.sealed, 'find', label)
      return { sent, got, send: sent.channel as CryptoKey, receive: got.channel as CryptoKey }
    }

    async function expectChannelError(
      key: CryptoKey,
      sealed: ChannelSealed,
      purpose = 'signal',
    ): Promise<void> {
      await expect(unsealOnChannel(key, sealed, purpose)).rejects.toMatchObject({
        code: 'ERR_SEAL',
      })
    }

    it('gives both ends the same key: what one seals on it, the other opens', async () => {
      const { got, send, receive } = await openChannel()
      expect(got.value).toEqual({ hello: 1 })
      const value = { signals: [{ type: 'candidate', candidate: { candidate: 'c' } }] }
      const sealed = await sealOnChannel(send, value, 'signal')
      expect(Object.keys(sealed).sort()).toEqual(['ct', 'iv'])
      expect(JSON.stringify(sealed)).not.toContain('candidate')
      expect(await unsealOnChannel(receive, sealed, 'signal')).toEqual(value)
    })

    it('keeps the opening seal as it was: plain unseal opens it', async () => {
      const { sent } = await openChannel()
      expect(await unseal(bob.box.privateKey, sent.sealed, 'find')).toEqual({ hello: 1 })
    })

    it('refuses a tampered ct or iv, another purpose, or another channel (ERR_SEAL)', async () => {
      const { send, receive } = await openChannel()
      const sealed = await sealOnChannel(send, { signals: [] }, 'signal')
      await expectChannelError(receive, { ...sealed, ct: flip(sealed.ct) })
      await expectChannelError(receive, { ...sealed, ct: sealed.ct.slice(0, -4) })
      await expectChannelError(receive, { ...sealed, iv: flip(sealed.iv) })
      await expectChannelError(receive, sealed, 'find')
      // Another exchange, or the same exchange's other direction (another label): another key.
      const other = await openChannel('signal ctx-2 initiator')
      await expectChannelError(other.receive, sealed)
      const back = await openChannel('signal ctx-1 target')
      await expectChannelError(back.receive, sealed)
    })

    it('cannot be derived by anyone but the recipient of the opening seal', async () => {
      const { sent } = await openChannel()
      await expect(
        unsealOpening(carol.box.privateKey, sent.sealed, 'find', 'signal ctx-1 initiator'),
      ).rejects.toMatchObject({ code: 'ERR_SEAL' })
    })

    it('gives a fresh iv and ciphertext each time', async () => {
      const { send } = await openChannel()
      const [a, b] = await Promise.all([
        sealOnChannel(send, 'same', 'signal'),
        sealOnChannel(send, 'same', 'signal'),
      ])
      expect(a.iv).not.toBe(b.iv)
      expect(a.ct).not.toBe(b.ct)
    })
  })
})
