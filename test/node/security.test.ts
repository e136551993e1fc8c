import Peer from '@thaunknown/simple-peer'
import { afterEach, describe, expect, it } from 'vitest'
import type { PublicJwk } from '../../src/openpeer/identity/keys.ts'
import { seal } from '../../src/openpeer/identity/seal.ts'
import { signJson } from '../../src/openpeer/identity/sign.ts'
import { makeContact } from '../../server/test-identity.ts'
import {
  SECURITY_CODES,
  isOpenPeerError,
  type ErrorCode,
  type OpenPeerClient,
  type PeerLike,
} from '../../src/openpeer/index.ts'
import { makeClient, nodePeer, startFinder, tamperingSocket, until } from './harness.ts'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

type Frame = Record<string, unknown> & {
  type?: string
  kind?: string
  proof?: Record<string, unknown>
}

async function setup(
  bobPorts: Parameters<typeof makeClient>[2],
  alicePorts: Parameters<typeof makeClient>[2] = {},
) {
  const { server, domain } = await startFinder()
  cleanups.push(() => server.close())
  const alice = await makeClient('Alice', domain, alicePorts)
  const bob = await makeClient('Bob', domain, bobPorts)
  cleanups.push(
    () => alice.stop(),
    () => bob.stop(),
  )
  return { alice, bob, domain }
}

/**
 * Bob opens Alice's invite while `watcher` waits for a security alert: resolves with the alert's
 * code and whether the invite failed with a coded error (it must: no session was made).
 */
async function attempt(
  alice: OpenPeerClient,
  bob: OpenPeerClient,
  watcher: OpenPeerClient,
  ms = 4_000,
): Promise<{ code: ErrorCode; inviteFailed: boolean }> {
  const alert = until(watcher, 'security:alert')
  const accepted = bob
    .acceptInvite(alice.inviteLink('http://app.test'), { signal: AbortSignal.timeout(ms) })
    .then(
      () => null,
      (e: unknown) => e,
    )
  const { error } = await alert
  return { code: error.code, inviteFailed: isOpenPeerError(await accepted) }
}

function isFindReply(f: Frame): boolean {
  return f.type === 'peer-location-find' && f.kind === 'notify'
}

describe('a finder in the middle is caught', () => {
  it('rewriting a sealed payload fails the session with a coded security error', async () => {
    const { alice, bob } = await setup({
      createSocket: tamperingSocket((f: Frame) => {
        if (!isFindReply(f) || !f.proof) return f
        const sealed = f.proof.sealed as { ct: string }
        const flipped = sealed.ct[10] === 'A' ? 'B' : 'A'
        return {
          ...f,
          proof: {
            ...f.proof,
            sealed: { ...sealed, ct: sealed.ct.slice(0, 10) + flipped + sealed.ct.slice(11) },
          },
        }
      }),
    })
    const outcome = await attempt(alice, bob, bob)
    expect(SECURITY_CODES.has(outcome.code)).toBe(true)
    expect(outcome.inviteFailed).toBe(true)
    expect(bob.contacts().every((c) => c.state !== 'connected')).toBe(true)
  })

  it('swapping in its own SDP (its own DTLS fingerprint) is refused: it cannot sign as the contact', async () => {
    let mitm: PeerLike | undefined
    const { alice, bob } = await setup({
      createSocket: tamperingSocket(async (f: Frame) => {
        if (!isFindReply(f) || !f.proof) return f
        // The finder makes its own offer and seals it to Bob, keeping Alice's signature.
        mitm = new Peer({
          initiator: true,
          trickle: false,
          config: { iceServers: [] },
        }) as unknown as PeerLike
        const offer = await new Promise<unknown>((resolve) => mitm!.on('signal', resolve))
        const sealed = await seal(
          bobBoxKey(bob),
          { location: { id: String(f.proof.location), label: 'x' }, signals: [offer] },
          'find-reply',
        )
        return { ...f, proof: { ...f.proof, sealed } }
      }),
    })
    cleanups.push(() => mitm?.destroy())
    const outcome = await attempt(alice, bob, bob)
    expect(outcome).toEqual({ code: 'ERR_SIGNATURE', inviteFailed: true })
  })

  it('a DTLS link whose fingerprint differs from the signed one fails peer-identify with ERR_FINGERPRINT', async () => {
    // Bob's side sees another remote certificate than the one Alice signed for: as if a relay
    // terminated DTLS in between. Alice's identify check must refuse him.
    const { alice, bob } = await setup({
      createPeer: (opts) => {
        const peer = nodePeer({ ...opts, config: { ...opts.config, iceServers: [] } })
        const pc = peer.connection
        Object.defineProperty(peer, 'connection', {
          value: new Proxy(pc, {
            get(target, prop) {
              if (prop === 'remoteDescription') {
                const d = target.remoteDescription
                return (
                  d && {
                    sdp: d.sdp.replace(
                      /(a=fingerprint:\S+ )([0-9A-F]{2})/,
                      (_m, a: string, b: string) => a + (b === 'AA' ? 'BB' : 'AA'),
                    ),
                  }
                )
              }
              const v = Reflect.get(target, prop, target) as unknown
              return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v
            },
          }),
        })
        return peer
      },
    })
    const outcome = await attempt(alice, bob, alice, 5_000)
    expect(outcome).toEqual({ code: 'ERR_FINGERPRINT', inviteFailed: true })
  })
})

describe('a finder cannot ring a contact with a find secret proof lifted from another find', () => {
  it('re-signing a real find with its own key gets ERR_FIND_DENIED and no sealed reply', async () => {
    // The finder drops Bob's find to Alice and forwards in its place a find signed by its own
    // identity (Mallory) that carries Bob's findSecretProof, nonce, expiry and context. Were the
    // proof not bound to its sender, Alice would take Mallory for an invite holder and seal her
    // offer (her ICE candidates, her addresses) to Mallory.
    const mallory = { contact: undefined as Awaited<ReturnType<typeof makeContact>> | undefined }
    const fromAlice: Frame[] = []
    let lifted = 0
    const { alice, bob, domain } = await setup(
      {},
      {
        createSocket: tamperingSocket(
          async (f: Frame) => {
            if (f.type !== 'peer-location-find' || f.kind !== 'request' || !f.proof) return f
            const m = mallory.contact!
            const real = f.proof as Record<string, unknown> & { to: string }
            lifted += 1
            const proof = await signJson(m.keys.sign.privateKey, {
              to: real.to,
              findSecretProof: real.findSecretProof,
              context: real.context,
              from: m.A,
              fromLocation: 'mallory-location',
              sealed: await seal(
                aliceBoxKey(alice),
                {
                  location: { id: 'mallory-location', label: 'finder' },
                  peer: { A: m.A, B: m.B, C: m.C },
                },
                'find',
              ),
              nonce: real.nonce,
              expires: real.expires,
            })
            return { ...f, proof }
          },
          (f) => fromAlice.push(f),
        ),
      },
    )
    mallory.contact = await makeContact(domain, 'Mallory')
    const outcome = await attempt(alice, bob, alice)
    expect(outcome).toEqual({ code: 'ERR_FIND_DENIED', inviteFailed: true })
    expect(lifted).toBe(1)
    // Alice answered nothing: no find reply and no signal, so nothing sealed to Mallory.
    const answers = fromAlice.filter(
      (f) => f.type === 'peer-location-find' || f.type === 'peer-location-signal',
    )
    expect(answers).toEqual([])
    expect(alice.contacts()).toEqual([])
  })
})

function aliceBoxKey(alice: object): PublicJwk {
  return bobBoxKey(alice)
}

function bobBoxKey(bob: object): PublicJwk {
  // Bob's box key is public (his section A): the finder saw it in the find request it forwarded.
  return (bob as { stored: { file: { A: { boxKey: PublicJwk } } } }).stored.file.A.boxKey
}
