import { describe, expect, it } from 'vitest'
import { jcs } from './jcs.ts'
import { exportPublicJwk, generateIdentityKeys } from './keys.ts'
import { checkLinkCard, decodeLinkCard, decompressPoint, encodeLinkCard } from './link-card.ts'
import { contactIdOf, createSectionA, verifySectionA, type SectionA } from './peer-file.ts'

async function sectionA(domain = 'finder.example'): Promise<SectionA> {
  return createSectionA(await generateIdentityKeys(), domain)
}

const bytesOf = (code: string): Buffer => Buffer.from(code, 'base64url')
const codeOf = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url')

describe('section A in an invite link', () => {
  it('decodes to the very A it was made from, for keys of both parities', async () => {
    const parities = new Set<number>()
    for (let i = 0; i < 24; i++) {
      const A = await sectionA()
      const code = encodeLinkCard(A) as string
      expect(code).toMatch(/^[A-Za-z0-9_-]{191}$/)
      const back = await decodeLinkCard(code, A.domain)
      // The bytes the contact id hashes are the same, so the id and the signature still check.
      expect(jcs(back)).toBe(jcs(A))
      expect(await verifySectionA(back, await contactIdOf(A))).toBe(await contactIdOf(A))
      parities.add(bytesOf(code)[1] as number)
    }
    // The sign key's prefix, 2 or 3 by the parity of y: both kinds of point were seen.
    expect([...parities].sort()).toEqual([2, 3])
  })

  it('decompresses by arithmetic where WebCrypto takes no compressed point, to the same key', async () => {
    for (let i = 0; i < 24; i++) {
      const { publicKey } = (await crypto.subtle.generateKey(
        { name: 'ECDSA', namedCurve: 'P-256' },
        true,
        ['sign', 'verify'],
      )) as CryptoKeyPair
      const jwk = await exportPublicJwk(publicKey)
      const raw = new Uint8Array(await crypto.subtle.exportKey('raw', publicKey))
      const point = new Uint8Array(33)
      point[0] = 2 + ((raw[64] as number) & 1)
      point.set(raw.subarray(1, 33), 1)
      expect(decompressPoint(point)).toEqual(jwk)
    }
  })

  it('a code read for another domain is another A: its signature no longer checks', async () => {
    const A = await sectionA()
    const back = await decodeLinkCard(encodeLinkCard(A) as string, 'elsewhere.example')
    await expect(verifySectionA(back, await contactIdOf(A))).rejects.toMatchObject({
      code: 'ERR_SIGNATURE',
    })
  })

  it('a code with one character changed never passes for the original', async () => {
    const A = await sectionA()
    const id = await contactIdOf(A)
    const code = encodeLinkCard(A) as string
    let decoded = 0
    for (const at of [3, 20, 50, 95, 120, 150, 190]) {
      const ch = code[at] === 'A' ? 'B' : 'A'
      const bent = code.slice(0, at) + ch + code.slice(at + 1)
      let back: SectionA
      try {
        back = await decodeLinkCard(bent, A.domain)
      } catch (e) {
        expect(e).toBeInstanceOf(TypeError)
        continue
      }
      decoded += 1
      await expect(verifySectionA(back, id)).rejects.toMatchObject({
        code: expect.stringMatching(/^ERR_(CONTACT_MISMATCH|SIGNATURE)$/) as unknown,
      })
    }
    // Most changes still decode (times, the signature): the checks after are what refuse them.
    expect(decoded).toBeGreaterThan(2)
  })

  it('says what is wrong with a code that cannot be read', async () => {
    expect(() => checkLinkCard('not base64!')).toThrow(/not base64url/)
    expect(() => checkLinkCard('AAAA')).toThrow(/wrong length/)
    const code = new Uint8Array(143)
    code[0] = 9
    expect(() => checkLinkCard(codeOf(code))).toThrow(/unknown version/)
    code[0] = 1
    code[1] = 4
    expect(() => checkLinkCard(codeOf(code))).toThrow(/unknown form/)
    code[1] = 2
    code[34] = 3
    checkLinkCard(codeOf(code))
    // x = 1 is not on P-256 (x³ − 3x + b has no square root there).
    code[33] = 1
    await expect(decodeLinkCard(codeOf(code), 'a.example')).rejects.toThrow(/off the curve/)
  })

  it('leaves out an A it could not give back whole', async () => {
    const A = await sectionA()
    expect(encodeLinkCard({ ...A, extra: 1 } as SectionA)).toBeUndefined()
    expect(encodeLinkCard({ ...A, created: 1.5 })).toBeUndefined()
    expect(encodeLinkCard({ ...A, sig: 'AAAA' })).toBeUndefined()
    expect(encodeLinkCard({ ...A, suite: 'other' } as unknown as SectionA)).toBeUndefined()
  })
})
