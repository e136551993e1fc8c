import { afterEach, describe, expect, it } from 'vitest'
import { makeContact } from '../../server/test-identity.ts'
import type { PublicJwk } from '../../src/openpeer/identity/keys.ts'
import { seal } from '../../src/openpeer/identity/seal.ts'
import { signJson } from '../../src/openpeer/identity/sign.ts'
import {
  isOpenPeerError,
  type ClientEvents,
  type ClientPorts,
  type MemoryNetwork,
  type OpenPeerClient,
  type PeerLike,
} from '../../src/openpeer/index.ts'
import {
  finderInTheMiddle,
  isFind,
  isReply,
  type Frame,
  type Tamper,
} from './finder-in-the-middle.ts'
import {
  createMemoryNetwork,
  idOf,
  memoryClient,
  startFinder,
  until,
  withoutCard,
} from './harness.ts'

/*
 * A finder that lies, replays and redirects (beside test/node/security.test.ts, which covers a
 * rewritten sealed payload, a swapped-in SDP and a DTLS fingerprint that differs): every attack
 * here is above WebRTC, so the in-memory network shows it in milliseconds. Each is detected,
 * makes no session, and the person is told in a security alert that names the contact.
 */

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

type Alert = ClientEvents['security:alert']

async function world() {
  const { server, domain } = await startFinder()
  cleanups.push(() => server.close())
  const network = createMemoryNetwork()
  return { domain, network }
}

/**
 * A memory client whose finder sockets pass through `tamper`; counts the peers it makes, and
 * those of them not destroyed.
 */
async function client(
  name: string,
  domain: string,
  network: MemoryNetwork,
  tamper?: Tamper,
  ports: Partial<ClientPorts> = {},
) {
  const mitm = finderInTheMiddle(tamper)
  const made: PeerLike[] = []
  const c = await memoryClient(name, domain, network, {
    createSocket: mitm.createSocket,
    createPeer: (opts) => {
      const peer = network.createPeer(opts)
      made.push(peer)
      return peer
    },
    ...ports,
  })
  cleanups.push(() => c.stop())
  const opened: string[] = []
  c.on('session:open', (s) => opened.push(s.contactId))
  const peers = (): number => made.length
  const live = (): number => made.filter((p) => !p.destroyed).length
  return Object.assign(c, { mitm, peers, live, opened })
}

/** Opens `inviter`'s invite; resolves with the failure (or null when it connected). */
function accept(invitee: OpenPeerClient, inviter: OpenPeerClient, ms = 3_000, card = true) {
  const link = inviter.inviteLink('http://app.test')
  return invitee
    .acceptInvite(card ? link : withoutCard(link), { signal: AbortSignal.timeout(ms) })
    .then(
      () => null,
      (e: unknown) => e,
    )
}

describe('a malicious finder is caught', () => {
  it('a replayed old find: refused as a replay, and once expired as expired; no session, the alert names the sender', async () => {
    const { domain, network } = await world()
    let skew = 0
    const alice = await client('Alice', domain, network, undefined, {
      now: () => Date.now() + skew,
    })
    const bob = await client('Bob', domain, network)
    expect(await accept(bob, alice)).toBeNull()
    const find = alice.mitm.received.find(isFind)!
    expect(find).toBeDefined()
    const peers = alice.peers()
    const opened = alice.opened.length

    // At once, with a fresh message id: the same proof, the same nonce.
    const replayed = until(alice, 'security:alert')
    alice.mitm.inject({ ...find, id: 'replay-1' })
    const now: Alert = await replayed
    expect(now.error.code).toBe('ERR_REPLAY')
    expect(now.contact).toEqual({ contactId: idOf(bob), name: 'Bob' })

    // Ten minutes on, the finder tries the recorded find again.
    skew = 10 * 60_000
    const later = until(alice, 'security:alert')
    alice.mitm.inject({ ...find, id: 'replay-2' })
    const old: Alert = await later
    expect(old.error.code).toBe('ERR_EXPIRED')
    expect(old.contact).toEqual({ contactId: idOf(bob), name: 'Bob' })

    // Neither made a peer connection, let alone a session, nor drew a reply from Alice.
    expect(alice.peers()).toBe(peers)
    expect(alice.opened.length).toBe(opened)
    const outgoing = alice.mitm.sent.filter((f) => f.type === 'peer-location-find')
    expect(outgoing.filter(isReply)).toHaveLength(1) // the one answer to Bob's real find
  })

  it("a replayed find reply: a duplicate is a replay, another find's reply put into this one is refused; the alert names the target", async () => {
    const { domain, network } = await world()
    const alice = await client('Alice', domain, network)
    // Bob's finder hands him Alice's reply twice.
    const bob = await client('Bob', domain, network, (f) => (isReply(f) ? [f, f] : f))
    const bobAlert = until(bob, 'security:alert')
    await accept(bob, alice)
    const dup: Alert = await bobAlert
    expect(dup.error.code).toBe('ERR_REPLAY')
    expect(dup.contact?.contactId).toBe(idOf(alice))
    expect(bob.mitm.received.filter(isReply)).toHaveLength(2)
    expect(bob.peers()).toBe(1) // the replay made no second peer

    // Carol's finder drops Alice's real reply and gives her the one Alice sent Bob instead,
    // moved to Carol's find (its context): the only way Carol would even look at it.
    const carol = await client('Carol', domain, network, (f) => {
      if (!isReply(f)) return f
      const old = bob.mitm.received.find(isReply)!
      return { ...old, id: f.id, proof: { ...old.proof, context: f.proof!.context } }
    })
    const carolAlert = until(carol, 'security:alert')
    const failed = await accept(carol, alice)
    const moved: Alert = await carolAlert
    expect(moved.error.code).toBe('ERR_SIGNATURE')
    expect(moved.contact?.contactId).toBe(idOf(alice))
    expect(isOpenPeerError(failed)).toBe(true)
    // Her one peer is the one her find's offer came from, gone with the failed invite: the moved
    // reply drew no other.
    expect(carol.peers()).toBe(1)
    expect(carol.live()).toBe(0)
    expect(carol.opened).toEqual([])
    expect(alice.opened).not.toContain(idOf(carol))
    expect(carol.contacts().every((c) => c.state !== 'connected')).toBe(true)
  })

  it('a wrong section A served for peer-file-get (a link without its card): the invite fails before any find, and the alert names the inviter', async () => {
    const { domain, network } = await world()
    const mallory = await makeContact(domain, 'Mallory')
    const alice = await client('Alice', domain, network)
    const bob = await client('Bob', domain, network, (f) =>
      f.type === 'peer-file-get' && f.kind === 'result' ? { ...f, peer: { A: mallory.A } } : f,
    )
    const alert = until(bob, 'security:alert')
    const failed = await accept(bob, alice, 3_000, false)
    expect(failed).toMatchObject({ code: 'ERR_CONTACT_MISMATCH' })
    const seen: Alert = await alert
    expect(seen.error.code).toBe('ERR_CONTACT_MISMATCH')
    expect(seen.contact).toEqual({ contactId: idOf(alice) })
    // Bob sent Mallory's finder nothing to ring with, keeps no peer (the one his offer was being
    // made on while the card was checked is gone) and no contact.
    expect(bob.mitm.sent.filter((f) => f.type === 'peer-location-find')).toEqual([])
    expect(bob.peers()).toBe(1)
    expect(bob.live()).toBe(0)
    expect(bob.contacts()).toEqual([])
    expect(alice.opened).toEqual([])
  })

  it('a link that carries its card: the finder is not asked for one, so it cannot serve a wrong one', async () => {
    const { domain, network } = await world()
    const mallory = await makeContact(domain, 'Mallory')
    const alice = await client('Alice', domain, network)
    const bob = await client('Bob', domain, network, (f) =>
      f.type === 'peer-file-get' && f.kind === 'result' ? { ...f, peer: { A: mallory.A } } : f,
    )
    expect(await accept(bob, alice)).toBeNull()
    expect(bob.mitm.sent.filter((f) => f.type === 'peer-file-get')).toEqual([])
    expect(bob.contacts().find((c) => c.contactId === idOf(alice))?.state).toBe('connected')
  })

  it("a link whose card was swapped for another identity's: refused as damaged, nothing sent to the finder", async () => {
    const { domain, network } = await world()
    const mallory = await client('Mallory', domain, network)
    const alice = await client('Alice', domain, network)
    const bob = await client('Bob', domain, network)
    const card = (link: string) => link.slice(link.lastIndexOf('.') + 1)
    const aliceLink = alice.inviteLink('http://app.test')
    const swapped = aliceLink.replace(card(aliceLink), card(mallory.inviteLink('http://app.test')))
    const failed = await bob.acceptInvite(swapped, { signal: AbortSignal.timeout(3_000) }).then(
      () => null,
      (e: unknown) => e,
    )
    expect(failed).toMatchObject({ code: 'ERR_INVITE', message: expect.stringMatching(/damaged/) })
    expect(bob.mitm.sent.filter((f) => f.type === 'peer-location-find')).toEqual([])
    expect(bob.live()).toBe(0)
    expect(bob.contacts()).toEqual([])
    expect(alice.opened).toEqual([])
    expect(mallory.opened).toEqual([])
  })

  it('a lifted find proof: Alice refuses it with ERR_FIND_DENIED, seals nothing to the finder, and the alert names the claimed sender', async () => {
    const { domain, network } = await world()
    const mallory = await makeContact(domain, 'Mallory')
    let lifted = 0
    // The finder signs Bob's find again as its own identity (Mallory), keeping his proof of
    // the find secret, nonce, expiry and context.
    const alice: Awaited<ReturnType<typeof client>> = await client(
      'Alice',
      domain,
      network,
      async (f) => {
        if (!isFind(f) || !f.proof) return f
        lifted += 1
        const real = f.proof as Record<string, unknown> & { to: string }
        const proof = await signJson(mallory.keys.sign.privateKey, {
          to: real.to,
          findSecretProof: real.findSecretProof,
          context: real.context,
          from: mallory.A,
          fromLocation: 'mallory-location',
          sealed: await seal(
            boxKeyOf(alice),
            {
              location: { id: 'mallory-location', label: 'finder' },
              peer: { A: mallory.A, B: mallory.B, C: mallory.C },
            },
            'find',
          ),
          nonce: real.nonce,
          expires: real.expires,
        })
        return { ...f, proof: proof as Frame['proof'] }
      },
    )
    const bob = await client('Bob', domain, network)
    const alert = until(alice, 'security:alert')
    const failed = await accept(bob, alice, 1_500)
    const seen: Alert = await alert
    expect(lifted).toBe(1)
    expect(seen.error.code).toBe('ERR_FIND_DENIED')
    expect(seen.contact).toEqual({ contactId: mallory.contactId })
    expect(isOpenPeerError(failed)).toBe(true)
    // No reply, no signal (nothing sealed to Mallory), no peer, no contact, on either side (Bob's
    // one peer is the one his find's offer came from, gone once nobody answered in time).
    expect(alice.mitm.sent.filter((f) => isReply(f) || f.type === 'peer-location-signal')).toEqual(
      [],
    )
    expect([alice.peers(), bob.peers()]).toEqual([0, 1])
    expect(bob.live()).toBe(0)
    expect(alice.contacts()).toEqual([])
    expect(bob.opened).toEqual([])
  })
})

function boxKeyOf(c: OpenPeerClient): PublicJwk {
  // Public (section A): the finder saw it in the session-create it registered.
  return (c as unknown as { stored: { file: { A: { boxKey: PublicJwk } } } }).stored.file.A.boxKey
}
