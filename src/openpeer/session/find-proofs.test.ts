import { beforeAll, describe, expect, it } from 'vitest'
import { generateIdentityKeys } from '../identity/keys.ts'
import { createPeerFile } from '../identity/peer-file.ts'
import { sealOnChannel } from '../identity/seal.ts'
import { signJson, withoutSig } from '../identity/sign.ts'
import { digestOf } from '../wire/proof.ts'
import { ReplayCache } from '../wire/replay.ts'
import {
  checkFind,
  makeFind,
  makeFindReply,
  makeSignal,
  openFindReply,
  openSignal,
  warmUpFindParsers,
} from './find-proofs.ts'
import type { LocalIdentity } from './identify.ts'

async function identity(name: string, location: string): Promise<LocalIdentity> {
  const keys = await generateIdentityKeys()
  const peer = await createPeerFile(keys, { domain: 'finder.test', name })
  return {
    keys,
    file: peer.file as LocalIdentity['file'],
    contactId: peer.contactId,
    uri: peer.uri,
    location: { id: location, label: name },
  }
}

/** `text` with its first character replaced by another base64url character. */
const flip = (text: string): string => (text[0] === 'A' ? 'B' : 'A') + text.slice(1)

const offer = { type: 'offer', sdp: 'v=0 offer' }
const candidate = (n: number) => ({
  type: 'candidate',
  candidate: { candidate: `candidate:${n} 1 udp 1 127.0.0.1 ${5000 + n} typ host` },
})

describe('the find exchange: one channel key per direction, signals batched', () => {
  let alice: LocalIdentity
  let bob: LocalIdentity
  let mallory: LocalIdentity

  beforeAll(async () => {
    ;[alice, bob, mallory] = await Promise.all([
      identity('Alice', 'loc-a'),
      identity('Bob', 'loc-b'),
      identity('Mallory', 'loc-m'),
    ])
  })

  /** Bob finds Alice; Alice replies with her offer: both ends' channel keys. */
  async function exchange() {
    const [bobReplay, aliceReplay] = [new ReplayCache(), new ReplayCache()]
    const target = {
      contactId: alice.contactId,
      A: alice.file.A,
      findSecret: alice.file.B.findSecret,
    }
    const find = await makeFind(bob, target, 'ctx-1', 'nonce-1', Date.now())
    let proven: string | undefined
    const checked = await checkFind(find.proof, alice, aliceReplay, {
      proven: (id) => (proven = id),
    })
    expect(proven).toBe(bob.contactId)
    const request = {
      digest: await digestOf(find.proof),
      context: 'ctx-1',
      initiatorBox: bob.file.A.boxKey,
    }
    const reply = await makeFindReply(alice, request, [offer, candidate(1)], Date.now())
    const opened = await openFindReply(reply.proof, alice.file.A, bob, bobReplay)
    expect(opened.signals).toEqual([offer, candidate(1)])
    return {
      bobReplay,
      aliceReplay,
      /** Bob → Alice: sealed by Bob with the find's key, opened by Alice with hers */
      bobSends: find.channel,
      aliceReceives: checked.channel,
      /** Alice → Bob: the reply's key */
      aliceSends: reply.channel,
      bobReceives: opened.channel,
    }
  }

  it('carries a batch of signals each way, each side opening with the key the other sealed with', async () => {
    const x = await exchange()
    const route = { context: 'ctx-1', to: 'loc-a', channel: x.bobSends }
    const batch = [{ type: 'answer', sdp: 'v=0 answer' }, candidate(2), candidate(3)]
    const toAlice = await makeSignal(bob, route, batch, Date.now())
    expect(JSON.stringify(toAlice)).not.toContain('candidate:')
    expect(await openSignal(toAlice, bob.file.A, x.aliceReceives, x.aliceReplay)).toEqual(batch)
    const back = await makeSignal(
      alice,
      { context: 'ctx-1', to: 'loc-b', channel: x.aliceSends },
      [candidate(4)],
      Date.now(),
    )
    expect(await openSignal(back, alice.file.A, x.bobReceives, x.bobReplay)).toEqual([candidate(4)])
  })

  it('refuses a replayed signal (ERR_REPLAY), a tampered one (ERR_SEAL) and a re-signed one (ERR_SIGNATURE)', async () => {
    const x = await exchange()
    const route = { context: 'ctx-1', to: 'loc-a', channel: x.bobSends }
    const signal = await makeSignal(bob, route, [candidate(2)], Date.now())
    await openSignal(signal, bob.file.A, x.aliceReceives, x.aliceReplay)
    await expect(
      openSignal(signal, bob.file.A, x.aliceReceives, x.aliceReplay),
    ).rejects.toMatchObject({
      code: 'ERR_REPLAY',
    })

    // A carrier flips a ciphertext byte and re-signs nothing: the signature fails first.
    const fresh = await makeSignal(bob, route, [candidate(3)], Date.now())
    const ct = fresh.sealed.ct
    const flipped = {
      ...fresh,
      sealed: { ...fresh.sealed, ct: flip(ct) },
    }
    await expect(
      openSignal(flipped, bob.file.A, x.aliceReceives, x.aliceReplay),
    ).rejects.toMatchObject({
      code: 'ERR_SIGNATURE',
    })
    // Signed by Bob over a tampered ciphertext: the channel key's GCM check fails.
    const tampered = await signJson(bob.keys.sign.privateKey, {
      ...withoutSig(fresh),
      nonce: 'nonce-tampered',
      sealed: { ...fresh.sealed, ct: flip(ct) },
    })
    await expect(
      openSignal(tampered, bob.file.A, x.aliceReceives, x.aliceReplay),
    ).rejects.toMatchObject({
      code: 'ERR_SEAL',
    })
    // Mallory copies Bob's sealed batch into a signal of her own: not signed by Bob.
    const lifted = await signJson(mallory.keys.sign.privateKey, {
      ...withoutSig(fresh),
      nonce: 'nonce-lifted',
    })
    await expect(
      openSignal(lifted, bob.file.A, x.aliceReceives, x.aliceReplay),
    ).rejects.toMatchObject({
      code: 'ERR_SIGNATURE',
    })
  })

  it("refuses a batch sealed under another exchange's key or the other direction's (ERR_SEAL)", async () => {
    const [x, y] = await Promise.all([exchange(), exchange()])
    // Bob's signal of exchange y (same context name, another find): x's key does not open it.
    const other = await makeSignal(
      bob,
      { context: 'ctx-1', to: 'loc-a', channel: y.bobSends },
      [candidate(5)],
      Date.now(),
    )
    await expect(
      openSignal(other, bob.file.A, x.aliceReceives, x.aliceReplay),
    ).rejects.toMatchObject({
      code: 'ERR_SEAL',
    })
    // Alice's own batch reflected back to her as if Bob sent it: the other direction's key.
    const reflected = await signJson(bob.keys.sign.privateKey, {
      context: 'ctx-1',
      from: 'loc-b',
      to: 'loc-a',
      sealed: await sealOnChannel(x.aliceSends, { signals: [candidate(6)] }, 'signal'),
      nonce: 'nonce-reflected',
      expires: Date.now() + 60_000,
    })
    await expect(
      openSignal(reflected, bob.file.A, x.aliceReceives, x.aliceReplay),
    ).rejects.toMatchObject({
      code: 'ERR_SEAL',
    })
  })

  it('refuses an empty or oversized batch (ERR_BAD_MESSAGE)', async () => {
    const x = await exchange()
    const signed = async (signals: unknown[], nonce: string) =>
      signJson(bob.keys.sign.privateKey, {
        context: 'ctx-1',
        from: 'loc-b',
        to: 'loc-a',
        sealed: await sealOnChannel(x.bobSends, { signals }, 'signal'),
        nonce,
        expires: Date.now() + 60_000,
      })
    for (const [signals, nonce] of [
      [[], 'n-empty'],
      [Array.from({ length: 33 }, (_, i) => candidate(i)), 'n-big'],
    ] as const) {
      await expect(
        openSignal(await signed([...signals], nonce), bob.file.A, x.aliceReceives, x.aliceReplay),
      ).rejects.toMatchObject({ code: 'ERR_BAD_MESSAGE' })
    }
  })

  it("carries the initiator's offer sealed in the find, handed to `proven` before the peer file is checked, or none", async () => {
    const target = {
      contactId: alice.contactId,
      A: alice.file.A,
      findSecret: alice.file.B.findSecret,
    }
    const replay = new ReplayCache()
    const withOffer = await makeFind(bob, target, 'ctx-o', 'nonce-o', Date.now(), [
      offer,
      candidate(1),
    ])
    // Nobody but Alice reads it: the SDP is not in the find as sent.
    expect(JSON.stringify(withOffer.proof)).not.toContain('v=0 offer')
    let early: unknown[] | undefined
    const checked = await checkFind(withOffer.proof, alice, replay, {
      proven: (_, signals) => (early = signals),
    })
    expect(early).toEqual([offer, candidate(1)])
    expect(checked.signals).toEqual([offer, candidate(1)])

    const without = await makeFind(bob, target, 'ctx-n', 'nonce-n', Date.now())
    expect((await checkFind(without.proof, alice, replay)).signals).toBeUndefined()
  })

  it("warms every sealed kind's parser with samples each schema accepts (a rejected one warms only part)", () => {
    expect(warmUpFindParsers(alice)).toBe(true)
  })

  it('does not call `proven` for a find with a wrong find secret or a replayed one', async () => {
    const replay = new ReplayCache()
    const wrong = { contactId: alice.contactId, A: alice.file.A, findSecret: 'A'.repeat(22) }
    const bad = await makeFind(bob, wrong, 'ctx-2', 'nonce-2', Date.now())
    let called = 0
    await expect(
      checkFind(bad.proof, alice, replay, { proven: () => called++ }),
    ).rejects.toMatchObject({
      code: 'ERR_FIND_DENIED',
    })
    const target = {
      contactId: alice.contactId,
      A: alice.file.A,
      findSecret: alice.file.B.findSecret,
    }
    const good = await makeFind(bob, target, 'ctx-3', 'nonce-3', Date.now())
    await checkFind(good.proof, alice, replay, { proven: () => called++ })
    await expect(
      checkFind(good.proof, alice, replay, { proven: () => called++ }),
    ).rejects.toMatchObject({
      code: 'ERR_REPLAY',
    })
    expect(called).toBe(1)
  })
})
