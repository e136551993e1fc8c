import { createHash } from 'node:crypto'
import { beforeAll, describe, expect, it } from 'vitest'
import { jcs } from '../identity/jcs.ts'
import {
  exportPublicJwk,
  generateIdentityKeys,
  type IdentityKeys,
  type PublicJwk,
} from '../identity/keys.ts'
import { CLOCK_SKEW, PROOF_LIFETIME, checkProof, digestOf, makeProof } from './proof.ts'
import { ReplayCache } from './replay.ts'

const NOW = 1_700_000_000_000
const MINUTE = 60_000

describe('proofs', () => {
  let alice: IdentityKeys
  let alicePub: PublicJwk
  let mallory: IdentityKeys

  beforeAll(async () => {
    ;[alice, mallory] = await Promise.all([generateIdentityKeys(), generateIdentityKeys()])
    alicePub = await exportPublicJwk(alice.sign.publicKey)
  })

  // The cache keeps its own clock: give it the same injected time as checkProof.
  const cacheAt = (now = NOW): ReplayCache => new ReplayCache(1000, () => now)
  const finderOpts = (replay = cacheAt(), now = NOW) => ({
    replay,
    maxLifetime: PROOF_LIFETIME.finder,
    now,
  })

  it('makeProof adds a fresh nonce, the expiry and a signature', async () => {
    const a = await makeProof(alice.sign.privateKey, { hello: 'world' }, 2 * MINUTE, NOW)
    const b = await makeProof(alice.sign.privateKey, { hello: 'world' }, 2 * MINUTE, NOW)
    expect(a).toMatchObject({ hello: 'world', expires: NOW + 2 * MINUTE })
    expect(a.nonce).toMatch(/^[A-Za-z0-9_-]{22}$/)
    expect(a.sig).toMatch(/^[A-Za-z0-9_-]{86}$/)
    expect(b.nonce).not.toBe(a.nonce)
  })

  it('checkProof accepts a valid proof', async () => {
    const proof = await makeProof(alice.sign.privateKey, { hello: 'world' }, 2 * MINUTE, NOW)
    await expect(checkProof(proof, alicePub, finderOpts())).resolves.toBeUndefined()
  })

  it('accepts a proof up to its expiry, then ERR_EXPIRED (401)', async () => {
    const proof = await makeProof(alice.sign.privateKey, {}, 2 * MINUTE, NOW)
    await checkProof(proof, alicePub, finderOpts(cacheAt(proof.expires), proof.expires))
    await expect(
      checkProof(proof, alicePub, finderOpts(cacheAt(proof.expires + 1), proof.expires + 1)),
    ).rejects.toMatchObject({ name: 'OpenPeerError', code: 'ERR_EXPIRED', status: 401 })
  })

  it('refuses a lifetime beyond the limit plus clock skew with ERR_EXPIRED', async () => {
    const edge = await makeProof(alice.sign.privateKey, {}, PROOF_LIFETIME.finder + CLOCK_SKEW, NOW)
    await checkProof(edge, alicePub, finderOpts())
    const tooLong = await makeProof(
      alice.sign.privateKey,
      {},
      PROOF_LIFETIME.finder + CLOCK_SKEW + 1,
      NOW,
    )
    await expect(checkProof(tooLong, alicePub, finderOpts())).rejects.toMatchObject({
      code: 'ERR_EXPIRED',
      message: expect.stringMatching(/too long/) as string,
    })
  })

  it('allows 24 h for identify proofs only', async () => {
    const day = await makeProof(alice.sign.privateKey, {}, PROOF_LIFETIME.identify, NOW)
    await checkProof(day, alicePub, {
      replay: cacheAt(),
      maxLifetime: PROOF_LIFETIME.identify,
      now: NOW,
    })
    await expect(checkProof(day, alicePub, finderOpts())).rejects.toMatchObject({
      code: 'ERR_EXPIRED',
    })
  })

  it('refuses a replayed proof with ERR_REPLAY (401)', async () => {
    const proof = await makeProof(alice.sign.privateKey, { n: 1 }, 2 * MINUTE, NOW)
    let clock = NOW
    const replay = new ReplayCache(1000, () => clock)
    await checkProof(proof, alicePub, finderOpts(replay))
    clock = NOW + 1000
    await expect(checkProof(proof, alicePub, finderOpts(replay, clock))).rejects.toMatchObject({
      code: 'ERR_REPLAY',
      status: 401,
    })
  })

  it('refuses a proof signed by someone else with ERR_SIGNATURE', async () => {
    const proof = await makeProof(mallory.sign.privateKey, { n: 1 }, 2 * MINUTE, NOW)
    await expect(checkProof(proof, alicePub, finderOpts())).rejects.toMatchObject({
      code: 'ERR_SIGNATURE',
      status: 401,
    })
  })

  it('refuses a proof whose body, nonce or expiry was changed with ERR_SIGNATURE', async () => {
    const proof = await makeProof(alice.sign.privateKey, { n: 1 }, 2 * MINUTE, NOW)
    for (const forged of [
      { ...proof, n: 2 },
      { ...proof, nonce: proof.nonce.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')) },
      { ...proof, expires: proof.expires - 1 },
    ]) {
      await expect(checkProof(forged, alicePub, finderOpts())).rejects.toMatchObject({
        code: 'ERR_SIGNATURE',
      })
    }
  })

  it('does not let a forged proof into the replay cache', async () => {
    const genuine = await makeProof(alice.sign.privateKey, { n: 1 }, 2 * MINUTE, NOW)
    const replay = cacheAt()
    // same nonce, changed body: the signature fails
    const changed: typeof genuine = { ...genuine, n: 2 }
    await expect(checkProof(changed, alicePub, finderOpts(replay))).rejects.toMatchObject({
      code: 'ERR_SIGNATURE',
    })
    // same nonce, signed by the wrong key
    const byMallory = await makeProof(mallory.sign.privateKey, { n: 1 }, 2 * MINUTE, NOW)
    await expect(
      checkProof({ ...byMallory, nonce: genuine.nonce }, alicePub, finderOpts(replay)),
    ).rejects.toMatchObject({ code: 'ERR_SIGNATURE' })
    // expired or too long: refused before the cache too
    await expect(
      checkProof(genuine, alicePub, finderOpts(replay, genuine.expires + 1)),
    ).rejects.toMatchObject({ code: 'ERR_EXPIRED' })
    expect(replay.size).toBe(0)
    await checkProof(genuine, alicePub, finderOpts(replay))
    expect(replay.size).toBe(1)
    await expect(checkProof(genuine, alicePub, finderOpts(replay))).rejects.toMatchObject({
      code: 'ERR_REPLAY',
    })
  })

  it('digestOf is sha256 of the JCS form, hex, stable under key reordering', async () => {
    const proof = await makeProof(alice.sign.privateKey, { b: 1, a: { y: 2, x: 3 } }, MINUTE, NOW)
    const reordered = JSON.parse(
      JSON.stringify(Object.fromEntries(Object.entries(proof).reverse())),
    ) as typeof proof
    const digest = await digestOf(proof)
    expect(digest).toMatch(/^[0-9a-f]{64}$/)
    expect(await digestOf(reordered)).toBe(digest)
    expect(digest).toBe(createHash('sha256').update(jcs(proof)).digest('hex'))
    expect(await digestOf({ ...proof, b: 2 })).not.toBe(digest)
  })

  it('digestOf matches a fixed vector', async () => {
    const value = JSON.parse('{"z":1.0,"a":"é","m":[true,null]}') as unknown
    const expected = createHash('sha256')
      .update('{"a":"é","m":[true,null],"z":1}', 'utf8')
      .digest('hex')
    expect(await digestOf(value)).toBe(expected)
  })
})
