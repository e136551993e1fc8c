import { z } from 'zod'
import { allInOrder } from '../async.ts'
import { OpenPeerError } from '../errors.ts'
import { constantTimeEqual } from '../identity/encoding.ts'
import { findSecretProof } from '../identity/find-secret.ts'
import type { PublicJwk } from '../identity/keys.ts'
import {
  contactIdOf,
  verifyPeerFile,
  verifySectionA,
  type SectionA,
  type VerifiedPeerFile,
} from '../identity/peer-file.ts'
import { sealOnChannel, sealOpening, unsealOnChannel, unsealOpening } from '../identity/seal.ts'
import { signJson } from '../identity/sign.ts'
import { formatPeerUri } from '../identity/uri.ts'
import type { NotifyBody, RequestBody } from '../wire/messages.ts'
import { PROOF_LIFETIME, checkProof, makeProof } from '../wire/proof.ts'
import type { ReplayCache } from '../wire/replay.ts'
import { locationSchema, peerFileSchema, signalDataSchema } from '../wire/schemas.ts'
import type { LocalIdentity } from './identify.ts'

/*
 * The signed and sealed objects of the find exchange (PROTOCOL §5.3), made and checked here and
 * nowhere else: the find request, the target's reply and the signals that follow. They are the
 * same whichever way they travel (a finder, or an introducer's session), and none of them can be
 * read or forged on the way.
 *
 * Key agreements: the find's seal (the initiator's ephemeral key with the target's box key) also
 * opens the channel initiator → target, and the reply's seal (the target's ephemeral key with the
 * initiator's box key) the channel target → initiator. Every later signal of the exchange goes
 * under its direction's channel key, signed like before: one ECDH per direction per exchange
 * instead of one per signal, and readable by exactly those who could open a seal to the same
 * box key (docs/security.md).
 */

export type FindProof = RequestBody<'peer-location-find'>['proof']
export type FindReplyProof = NotifyBody<'peer-location-find'>['proof']
export type SignalProof = NotifyBody<'peer-location-signal'>['proof']
type Location = { id: string; label: string }

/** signals batched into one message: what a side produced while its last message was on the way */
const signalBatch = z.array(signalDataSchema).min(1).max(32)
// What travels sealed inside the find exchange; decoded like any wire message. A find made to
// connect at once carries the initiator's offer (docs/protocol.md, "Who offers").
const findSealed = z.strictObject({
  location: locationSchema,
  peer: peerFileSchema,
  signals: signalBatch.optional(),
})
/**
 * What the target needs to start on its answer: the find's signals, read before the rest. The
 * whole payload's parse (a peer file's three sections) took 10 ms in a fresh page, on the main
 * thread: read first, it kept the peer connection and the answer waiting (bench:connect).
 */
const findSealedSignals = z.looseObject({ signals: signalBatch.optional() })
const replySealed = z.strictObject({ location: locationSchema, signals: signalBatch })
const signalSealed = z.strictObject({ signals: signalBatch })

/**
 * Parses one realistic payload of each sealed kind, so that the first find, reply or signal a
 * page opens does not pay for zod's lazily built schemas: a find's first parse took 10 ms of the
 * inviter's main thread in a fresh page (7.5 ms in Node, 0.1–0.5 ms the times after), between the
 * find coming in and the answer going out (bench:connect).
 */
export function warmUpFindParsers(me: LocalIdentity): boolean {
  const candidate = { candidate: 'candidate:0 1 udp 1 192.0.2.1 9 typ host', sdpMid: '0' }
  const signals = [
    { type: 'offer', sdp: 'v=0\r\n' },
    { type: 'candidate', candidate: { ...candidate, sdpMLineIndex: 0 } },
  ]
  const find = { location: me.location, peer: me.file, signals }
  // A sample that fails a schema would warm only part of it: say so (find-proofs.test.ts).
  return [
    findSealedSignals.safeParse(find),
    findSealed.safeParse(find),
    replySealed.safeParse({ location: me.location, signals }),
    signalSealed.safeParse({ signals }),
  ].every((r) => r.success)
}

/** What each direction's channel key is bound to: the find context and who sends. */
const channelOf = (context: string, from: 'initiator' | 'target'): string =>
  `signal ${context} ${from}`

/** Lifetime of a find request: finders allow up to 5 minutes (PROTOCOL §8). */
const FIND_LIFETIME = 2 * 60_000

export interface FindTarget {
  contactId: string
  A: SectionA
  findSecret: string
}

/**
 * A find request from `me` to `target`, for the exchange named `context`, and the key of our
 * channel to the target's locations that its seal opened. `signals` (our offer and what followed
 * it) go sealed inside; without them the target makes the offer.
 */
export async function makeFind(
  me: LocalIdentity,
  target: FindTarget,
  context: string,
  nonce: string,
  now: number,
  signals?: unknown[],
): Promise<{ proof: FindProof; channel: CryptoKey }> {
  const expires = now + FIND_LIFETIME
  const to = formatPeerUri({ domain: target.A.domain, contactId: target.contactId })
  const binding = { from: me.contactId, to, context, nonce, expires }
  const [secretProof, opened] = await Promise.all([
    findSecretProof(target.findSecret, binding),
    sealOpening(
      target.A.boxKey,
      { location: me.location, peer: me.file, ...(signals?.length ? { signals } : {}) },
      'find',
      channelOf(context, 'initiator'),
    ),
  ])
  const proof = await signJson(me.keys.sign.privateKey, {
    to,
    findSecretProof: secretProof,
    context,
    from: me.file.A,
    fromLocation: me.location.id,
    sealed: opened.sealed,
    nonce,
    expires,
  })
  return { proof, channel: opened.channel as CryptoKey }
}

/**
 * The target's checks of a find that reached it: signed by the contact it names, fresh, for us,
 * proving our current find secret (a finder is not trusted to have checked), with a sealed peer
 * file and location that match what was signed.
 */
export async function checkFind(
  proof: FindProof,
  me: LocalIdentity,
  replay: ReplayCache,
  opts: {
    /**
     * called once the find is signed by the contact it names, fresh, not a replay and proves our
     * find secret, and its sealed part opened, before the peer file in it is checked: the target
     * may start on its offer or answer meanwhile, sending nothing until this resolves
     */
    proven?: (initiatorId: string, signals: unknown[] | undefined, channel: CryptoKey) => void
  } = {},
): Promise<{
  initiatorId: string
  location: Location
  peer: VerifiedPeerFile
  channel: CryptoKey
  /** the initiator's offer and what followed it, when it made the offer */
  signals: unknown[] | undefined
}> {
  // The signatures and the find secret at once; a failure is reported in the order they were
  // checked one after the other (a forgery as a forgery), and nothing acts on the find before
  // all passed. The nonce is recorded only after the proof's signature verified (checkProof).
  const signatures = Promise.all([
    verifySectionA(proof.from, undefined, replay.now()),
    checkProof(proof, proof.from.signKey, {
      replay,
      maxLifetime: PROOF_LIFETIME.finder,
      what: 'find request',
    }),
  ])
  const secret = (async () => {
    const initiatorId = await contactIdOf(proof.from)
    if (proof.to !== me.uri)
      throw new OpenPeerError('ERR_CONTACT_MISMATCH', 'find request is for another contact')
    // The proof names its signer: one lifted from another's find into a finder's own fails here.
    const expected = await findSecretProof(me.file.B.findSecret, {
      from: initiatorId,
      to: proof.to,
      context: proof.context,
      nonce: proof.nonce,
      expires: proof.expires,
    })
    if (!constantTimeEqual(expected, proof.findSecretProof)) {
      throw new OpenPeerError('ERR_FIND_DENIED', 'find request with a revoked or wrong find secret')
    }
    return initiatorId
  })()
  // The sealed part is opened meanwhile (a key agreement on another thread); what it holds is
  // looked at only once the checks above passed, and its failure reported only then.
  const opening = unsealOpening(
    me.keys.box.privateKey,
    proof.sealed,
    'find',
    channelOf(proof.context, 'initiator'),
  )
  opening.catch(() => undefined)
  const [, initiatorId] = await allInOrder([signatures, secret])
  const opened = await opening
  const malformed = () => new OpenPeerError('ERR_BAD_MESSAGE', 'sealed find payload is malformed')
  const early = findSealedSignals.safeParse(opened.value)
  if (!early.success) throw malformed()
  opts.proven?.(initiatorId, early.data.signals, opened.channel as CryptoKey)
  const inner = findSealed.safeParse(opened.value)
  if (!inner.success) throw malformed()
  // The sealed peer file must be the one that rang (the session re-checks it at identify).
  const peer = await verifyPeerFile(inner.data.peer, initiatorId, replay.now())
  if (inner.data.location.id !== proof.fromLocation) {
    throw new OpenPeerError('ERR_SIGNATURE', 'sealed location differs from the signed one')
  }
  return {
    initiatorId,
    location: inner.data.location,
    peer,
    channel: opened.channel as CryptoKey,
    signals: inner.data.signals,
  }
}

/**
 * The target's signed answer to the find whose digest is `requestDigest`, with its offer or its
 * answer to the find's offer (and whatever signals followed meanwhile), and the key of our
 * channel back to the initiator.
 */
export async function makeFindReply(
  me: LocalIdentity,
  find: { digest: string; context: string; initiatorBox: PublicJwk },
  signals: unknown[],
  now: number,
): Promise<{ proof: FindReplyProof; channel: CryptoKey }> {
  const { sealed, channel } = await sealOpening(
    find.initiatorBox,
    { location: me.location, signals },
    'find-reply',
    channelOf(find.context, 'target'),
  )
  const proof = await makeProof(
    me.keys.sign.privateKey,
    { requestDigest: find.digest, context: find.context, location: me.location.id, sealed },
    undefined,
    now,
  )
  return { proof, channel: channel as CryptoKey }
}

/** The initiator's checks of a reply: signed by the target, fresh, and its sealed signals. */
export async function openFindReply(
  proof: FindReplyProof,
  target: SectionA,
  me: LocalIdentity,
  replay: ReplayCache,
): Promise<{ signals: unknown[]; channel: CryptoKey }> {
  // Opened while the signature is checked; looked at (and a failure reported) only after.
  const opening = unsealOpening(
    me.keys.box.privateKey,
    proof.sealed,
    'find-reply',
    channelOf(proof.context, 'target'),
  )
  opening.catch(() => undefined)
  await checkProof(proof, target.signKey, {
    replay,
    maxLifetime: PROOF_LIFETIME.finder,
    what: 'find reply',
  })
  const opened = await opening
  const inner = replySealed.safeParse(opened.value)
  if (!inner.success) throw new OpenPeerError('ERR_BAD_MESSAGE', 'sealed find reply is malformed')
  if (inner.data.location.id !== proof.location) {
    throw new OpenPeerError('ERR_SIGNATURE', 'sealed location differs from the signed one')
  }
  return { signals: inner.data.signals, channel: opened.channel as CryptoKey }
}

/**
 * Signed signals (SDP, candidates) from our location to `to` until the session is up, sealed
 * under our direction's channel key of the exchange.
 */
export async function makeSignal(
  me: LocalIdentity,
  route: { context: string; to: string; channel: CryptoKey },
  signals: unknown[],
  now: number,
): Promise<SignalProof> {
  const sealed = await sealOnChannel(route.channel, { signals }, 'signal')
  return makeProof(
    me.keys.sign.privateKey,
    { context: route.context, from: me.location.id, to: route.to, sealed },
    undefined,
    now,
  )
}

/** The signals of a signed signal message from `sender`, opened with its direction's channel key. */
export async function openSignal(
  proof: SignalProof,
  sender: SectionA,
  channel: CryptoKey,
  replay: ReplayCache,
): Promise<unknown[]> {
  await checkProof(proof, sender.signKey, {
    replay,
    maxLifetime: PROOF_LIFETIME.finder,
    what: 'signal',
  })
  const inner = signalSealed.safeParse(await unsealOnChannel(channel, proof.sealed, 'signal'))
  if (!inner.success) throw new OpenPeerError('ERR_BAD_MESSAGE', 'sealed signal is malformed')
  return inner.data.signals
}
