import { createHash } from 'node:crypto'
import { beforeAll, describe, expect, it } from 'vitest'
import { generateIdentityKeys, type IdentityKeys } from './keys.ts'
import { NAME_MAX } from '../limits.ts'
import {
  checkDisplayName,
  contactIdOf,
  contactIdOfUri,
  createPeerFile,
  createSectionB,
  createSectionC,
  verifyPeerFile,
  verifySectionA,
  type PeerFile,
  type SectionA,
  type VerifiedPeerFile,
} from './peer-file.ts'

const NOW = 1_700_000_000_000
const YEAR = 365 * 24 * 3600 * 1000

/**
 * A real section A, signed once with node:crypto by the fixed key of sign.test.ts, and its JCS
 * text written out by hand (keys sorted; "sig" sorts before "signKey").
 */
const FIXED_A: SectionA = {
  v: 1,
  suite: 'opw1',
  signKey: {
    kty: 'EC',
    crv: 'P-256',
    x: 'XeIhLEL61ZisFNHeav8PuNlN06eKTMOeLKOup1v7FWs',
    y: 'qWt2VlY4cGso3A5VNG7wPXAHjBvfRt0rJ2tbKSYtqDs',
  },
  boxKey: {
    kty: 'EC',
    crv: 'P-256',
    x: 'xP9iDzXUFPMRLcrMFNTeCZa8cUHAUODfeN6F1nB8698',
    y: 'NMlBwTEoMwvImC03TBpNcD_TuwdBhb_bDy3hEDg1YFA',
  },
  domain: 'finder.example',
  created: 1_700_000_000_000,
  expires: 2_015_360_000_000,
  sig: '1lozaLEgQaj-vF68gU7SMGl-fMtgE6iF18j2iQ2wUEf46m-MakuQsHweYWFqJP1e5eTBgvaVOXDbQ8glmrTJKg',
}
const FIXED_A_JCS =
  '{"boxKey":{"crv":"P-256","kty":"EC","x":"xP9iDzXUFPMRLcrMFNTeCZa8cUHAUODfeN6F1nB8698",' +
  '"y":"NMlBwTEoMwvImC03TBpNcD_TuwdBhb_bDy3hEDg1YFA"},"created":1700000000000,' +
  '"domain":"finder.example","expires":2015360000000,' +
  '"sig":"1lozaLEgQaj-vF68gU7SMGl-fMtgE6iF18j2iQ2wUEf46m-MakuQsHweYWFqJP1e5eTBgvaVOXDbQ8glmrTJKg",' +
  '"signKey":{"crv":"P-256","kty":"EC","x":"XeIhLEL61ZisFNHeav8PuNlN06eKTMOeLKOup1v7FWs",' +
  '"y":"qWt2VlY4cGso3A5VNG7wPXAHjBvfRt0rJ2tbKSYtqDs"},"suite":"opw1","v":1}'
const FIXED_CONTACT_ID = 'ee8fa966e2f0fd46ccc4695ace06d450a5d23b60a95cc48ff3652d6de3e89273'

type Json = null | boolean | number | string | Json[] | { [k: string]: Json }

/** Every path to a leaf of `value`, except the signature itself. */
function leafPaths(value: Json, prefix: string[] = []): string[][] {
  if (value === null || typeof value !== 'object') return [prefix]
  return Object.entries(value).flatMap(([k, v]) =>
    prefix.length === 0 && k === 'sig' ? [] : leafPaths(v, [...prefix, k]),
  )
}

/** A copy with the leaf at `path` changed to a different value of the same type. */
function tampered<T>(value: T, path: string[]): T {
  const copy = structuredClone(value) as Record<string, Json>
  let parent = copy
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string, Json>
  const last = path[path.length - 1] as string
  const leaf = parent[last]
  if (typeof leaf === 'number') parent[last] = leaf + 1
  else if (typeof leaf === 'string') {
    const i = Math.floor(leaf.length / 2)
    parent[last] = leaf.slice(0, i) + (leaf[i] === 'a' ? 'b' : 'a') + leaf.slice(i + 1)
  } else throw new Error(`cannot tamper ${path.join('.')}`)
  return copy as T
}

describe('peer file', () => {
  let alice: { keys: IdentityKeys; peer: VerifiedPeerFile }
  let bob: { keys: IdentityKeys; peer: VerifiedPeerFile }

  beforeAll(async () => {
    const [ak, bk] = await Promise.all([generateIdentityKeys(), generateIdentityKeys()])
    alice = {
      keys: ak,
      peer: await createPeerFile(ak, { domain: 'finder.example', name: 'Alice', now: NOW }),
    }
    bob = {
      keys: bk,
      peer: await createPeerFile(bk, { domain: 'other.example:8443', name: 'Bob', now: NOW }),
    }
  })

  it('createPeerFile makes A, B and C naming one self-certifying peer URI', async () => {
    const { contactId, uri, file } = alice.peer
    expect(contactId).toMatch(/^[0-9a-f]{64}$/)
    expect(uri).toBe(`peer://finder.example/${contactId}`)
    expect(contactIdOfUri(uri)).toBe(contactId)
    expect(file.A).toMatchObject({ v: 1, suite: 'opw1', domain: 'finder.example', created: NOW })
    expect(file.A.expires).toBe(NOW + 10 * YEAR)
    expect(file.B).toMatchObject({ contact: uri, updated: NOW })
    expect(file.B?.findSecret).toMatch(/^[A-Za-z0-9_-]{22}$/)
    expect(file.C).toMatchObject({ contact: uri, name: 'Alice', updated: NOW })
    expect(bob.peer.file.B?.findSecret).not.toBe(file.B?.findSecret)
  })

  it('verifyPeerFile accepts it, with and without the expected contact id', async () => {
    const checked = await verifyPeerFile(alice.peer.file, alice.peer.contactId, NOW)
    expect(checked.contactId).toBe(alice.peer.contactId)
    expect(checked.uri).toBe(alice.peer.uri)
    expect((await verifyPeerFile(alice.peer.file, undefined, NOW)).contactId).toBe(
      alice.peer.contactId,
    )
    expect(await verifyPeerFile({ A: alice.peer.file.A }, alice.peer.contactId, NOW)).toMatchObject(
      { contactId: alice.peer.contactId },
    )
  })

  it('survives a trip over the wire (JSON, reordered keys)', async () => {
    const file = alice.peer.file
    const wire = JSON.parse(
      JSON.stringify({
        C: file.C,
        B: file.B,
        A: Object.fromEntries(Object.entries(file.A).reverse()),
      }),
    ) as PeerFile
    expect((await verifyPeerFile(wire, alice.peer.contactId, NOW)).uri).toBe(alice.peer.uri)
  })

  describe('contactId', () => {
    it('is stable: the same A gives the same id, recomputed', async () => {
      const A = alice.peer.file.A
      const once = await contactIdOf(A)
      expect(await contactIdOf(A)).toBe(once)
      expect(await contactIdOf(structuredClone(A))).toBe(once)
      expect(once).toBe(alice.peer.contactId)
      expect(await contactIdOf(bob.peer.file.A)).not.toBe(once)
    })

    it('matches the fixed vector sha256("contact:" + JCS(A))', async () => {
      const independent = createHash('sha256')
        .update('contact:' + FIXED_A_JCS)
        .digest('hex')
      expect(independent).toBe(FIXED_CONTACT_ID)
      expect(await contactIdOf(FIXED_A)).toBe(FIXED_CONTACT_ID)
      expect(await verifySectionA(FIXED_A, FIXED_CONTACT_ID, NOW)).toBe(FIXED_CONTACT_ID)
    })

    it('covers the signature: a re-signed A is another contact id', async () => {
      const A = { ...FIXED_A, sig: FIXED_A.sig.slice(0, -2) + 'AA' }
      expect(await contactIdOf(A)).not.toBe(FIXED_CONTACT_ID)
    })
  })

  describe('tampering', () => {
    it('with any field of A gives ERR_SIGNATURE', async () => {
      const paths = leafPaths(alice.peer.file.A as unknown as Json)
      expect(paths.length).toBeGreaterThanOrEqual(12)
      for (const path of paths) {
        const file = { ...alice.peer.file, A: tampered(alice.peer.file.A, path) }
        await expect(verifyPeerFile(file, undefined, NOW), path.join('.')).rejects.toMatchObject({
          code: 'ERR_SIGNATURE',
        })
      }
    })

    it.each(['B', 'C'] as const)('with any field of %s gives ERR_SIGNATURE', async (id) => {
      const section = alice.peer.file[id]
      if (!section) throw new Error('missing section')
      for (const path of leafPaths(section as unknown as Json)) {
        const file = { ...alice.peer.file, [id]: tampered(section, path) }
        await expect(verifyPeerFile(file, undefined, NOW), path.join('.')).rejects.toMatchObject({
          code: 'ERR_SIGNATURE',
        })
      }
    })

    it('with a section signature gives ERR_SIGNATURE', async () => {
      for (const id of ['A', 'B', 'C'] as const) {
        const file = { ...alice.peer.file, [id]: tampered(alice.peer.file[id], ['sig']) }
        await expect(verifyPeerFile(file, undefined, NOW), id).rejects.toMatchObject({
          code: 'ERR_SIGNATURE',
        })
      }
    })

    it("someone else's B or C in my file gives ERR_SIGNATURE", async () => {
      await expect(
        verifyPeerFile({ ...alice.peer.file, B: bob.peer.file.B }, undefined, NOW),
      ).rejects.toMatchObject({ code: 'ERR_SIGNATURE' })
      await expect(
        verifyPeerFile({ ...alice.peer.file, C: bob.peer.file.C }, undefined, NOW),
      ).rejects.toMatchObject({ code: 'ERR_SIGNATURE' })
    })
  })

  describe('contact mismatch', () => {
    it('B or C signed by the right key but naming another contact gives ERR_CONTACT_MISMATCH', async () => {
      const B = await createSectionB(alice.keys, bob.peer.uri, undefined, NOW)
      const C = await createSectionC(alice.keys, bob.peer.uri, 'Alice', NOW)
      await expect(verifyPeerFile({ ...alice.peer.file, B }, undefined, NOW)).rejects.toMatchObject(
        { code: 'ERR_CONTACT_MISMATCH', status: 401 },
      )
      await expect(verifyPeerFile({ ...alice.peer.file, C }, undefined, NOW)).rejects.toMatchObject(
        { code: 'ERR_CONTACT_MISMATCH' },
      )
    })

    it('naming my contact id under another domain gives ERR_CONTACT_MISMATCH', async () => {
      const uri = `peer://elsewhere.example/${alice.peer.contactId}`
      const B = await createSectionB(alice.keys, uri, undefined, NOW)
      await expect(verifyPeerFile({ ...alice.peer.file, B }, undefined, NOW)).rejects.toMatchObject(
        { code: 'ERR_CONTACT_MISMATCH' },
      )
    })

    it('a genuine A under the wrong expected id gives ERR_CONTACT_MISMATCH', async () => {
      await expect(verifyPeerFile(bob.peer.file, alice.peer.contactId, NOW)).rejects.toMatchObject({
        code: 'ERR_CONTACT_MISMATCH',
      })
      await expect(verifySectionA(FIXED_A, alice.peer.contactId, NOW)).rejects.toMatchObject({
        code: 'ERR_CONTACT_MISMATCH',
      })
    })
  })

  describe('expiry', () => {
    it('A is good until its expiry and ERR_EXPIRED after', async () => {
      const A = alice.peer.file.A
      await expect(verifyPeerFile(alice.peer.file, undefined, A.expires)).resolves.toBeDefined()
      await expect(
        verifyPeerFile(alice.peer.file, alice.peer.contactId, A.expires + 1),
      ).rejects.toMatchObject({ code: 'ERR_EXPIRED', status: 401 })
      await expect(
        verifySectionA(FIXED_A, FIXED_CONTACT_ID, NOW + 11 * YEAR),
      ).rejects.toMatchObject({ code: 'ERR_EXPIRED' })
    })
  })

  describe('checkDisplayName', () => {
    const rejects = (name: string): void => {
      expect(() => checkDisplayName(name)).toThrow(
        expect.objectContaining({ code: 'ERR_BAD_MESSAGE' }) as Error,
      )
    }

    it('trims surrounding white space', () => {
      expect(checkDisplayName('  Alice Smith \n')).toBe('Alice Smith')
      expect(checkDisplayName('\tAlice')).toBe('Alice')
    })

    it('refuses an empty or blank name', () => {
      rejects('')
      rejects('   ')
      rejects('\n\t')
    })

    it(`allows ${NAME_MAX} characters and refuses 65`, () => {
      expect(NAME_MAX).toBe(64)
      expect(checkDisplayName('a'.repeat(64))).toBe('a'.repeat(64))
      rejects('a'.repeat(65))
      expect(checkDisplayName(` ${'a'.repeat(64)} `)).toBe('a'.repeat(64))
    })

    it('counts an emoji as one character, not two UTF-16 units', () => {
      expect(checkDisplayName('😀'.repeat(64))).toBe('😀'.repeat(64))
      rejects('😀'.repeat(65))
      // NFC: e + combining acute is one character
      expect(checkDisplayName('e\u0301'.repeat(64))).toBe('\u00e9'.repeat(64))
    })

    it.each(['\u0000', '\u0007', '\n', '\r', '\u001b', '\u001f', '\u007f'])(
      'refuses the control character %j inside a name',
      (c) => {
        rejects(`Al${c}ice`)
      },
    )

    it('is applied when creating section C', async () => {
      const keys = await generateIdentityKeys()
      const peer = await createPeerFile(keys, {
        domain: 'finder.example',
        name: '  Zoë  ',
        now: NOW,
      })
      expect(peer.file.C?.name).toBe('Zoë')
      await expect(
        createPeerFile(keys, { domain: 'finder.example', name: ' ', now: NOW }),
      ).rejects.toMatchObject({ code: 'ERR_BAD_MESSAGE' })
    })
  })
})
