import { allInOrder } from '../async.ts'
import { OpenPeerError } from '../errors.ts'
import { constantTimeEqual } from '../identity/encoding.ts'
import type { IdentityKeys } from '../identity/keys.ts'
import {
  verifyPeerFile,
  type PeerFile,
  type SectionA,
  type VerifiedPeerFile,
} from '../identity/peer-file.ts'
import { PROOF_LIFETIME, checkProof, digestOf, makeProof } from '../wire/proof.ts'
import type { RequestBody, ResultBody } from '../wire/messages.ts'
import type { ReplayCache } from '../wire/replay.ts'

export interface LocalIdentity {
  keys: IdentityKeys
  file: Required<PeerFile>
  contactId: string
  uri: string
  location: { id: string; label: string }
}

type Fingerprints = { local: string; remote: string }
export type IdentifyProof = RequestBody<'peer-identify'>['proof']
export type IdentifyResultProof = ResultBody<'peer-identify'>['proof']

const IDENTIFY_LIFETIME = 10 * 60_000

/** The remote's claim must mirror what we see: their local is our remote and vice versa. */
function checkMirrored(claimed: Fingerprints, live: Fingerprints): void {
  if (claimed.local !== live.remote || claimed.remote !== live.local) {
    throw new OpenPeerError(
      'ERR_FINGERPRINT',
      'DTLS fingerprints do not match the signed identity: someone is in the middle',
    )
  }
}

export function makeIdentify(
  me: LocalIdentity,
  opts: {
    context: string
    findSecret?: string | undefined
    fingerprints: Fingerprints
    now: number
  },
): Promise<IdentifyProof> {
  return makeProof(
    me.keys.sign.privateKey,
    {
      context: opts.context,
      ...(opts.findSecret ? { findSecret: opts.findSecret } : {}),
      peer: me.file,
      location: me.location,
      fingerprints: opts.fingerprints,
    },
    IDENTIFY_LIFETIME,
    opts.now,
  )
}

/**
 * Target side of peer-identify: the initiator must be the contact that sent the find, over
 * this very DTLS connection, and hold our current find secret (or be known to `authorize`).
 */
export async function checkIdentify(
  proof: IdentifyProof,
  opts: {
    me: LocalIdentity
    expectedContactId: string
    expectedLocationId: string
    context: string
    live: Fingerprints
    replay: ReplayCache
    /** true when the initiator may connect without presenting our find secret */
    known: (contactId: string) => boolean
  },
): Promise<VerifiedPeerFile> {
  // Both at once, judged in the old order (allInOrder): the peer file, then the proof it signs.
  const [verified] = await allInOrder<[VerifiedPeerFile, void]>([
    verifyPeerFile(proof.peer, opts.expectedContactId, opts.replay.now()),
    checkProof(proof, proof.peer.A.signKey, {
      replay: opts.replay,
      maxLifetime: PROOF_LIFETIME.identify,
      what: 'peer-identify proof',
    }),
  ])
  if (proof.location.id !== opts.expectedLocationId) {
    throw new OpenPeerError('ERR_SIGNATURE', 'peer-identify from another location than the find')
  }
  if (proof.context !== opts.context)
    throw new OpenPeerError('ERR_SIGNATURE', 'peer-identify is for another session')
  checkMirrored(proof.fingerprints, opts.live)
  const secretOk =
    proof.findSecret !== undefined && constantTimeEqual(proof.findSecret, opts.me.file.B.findSecret)
  if (!secretOk && !opts.known(verified.contactId)) {
    throw new OpenPeerError('ERR_FIND_DENIED', 'the find secret is not (or no longer) valid')
  }
  return verified
}

export async function makeIdentifyResult(
  me: LocalIdentity,
  request: IdentifyProof,
  fingerprints: Fingerprints,
  now: number,
): Promise<IdentifyResultProof> {
  return makeProof(
    me.keys.sign.privateKey,
    { digest: await digestOf(request), peer: me.file, location: me.location, fingerprints },
    IDENTIFY_LIFETIME,
    now,
  )
}

/** Initiator side: the answer comes from the contact we meant, for our request, on this link. */
export async function checkIdentifyResult(
  proof: IdentifyResultProof,
  opts: {
    expectedA: SectionA
    expectedContactId: string
    expectedLocationId: string
    request: IdentifyProof
    live: Fingerprints
    replay: ReplayCache
  },
): Promise<VerifiedPeerFile> {
  // The peer file, the proof and our request's digest at once; failures in the old order.
  const [file, signed, digest] = await Promise.allSettled([
    verifyPeerFile(proof.peer, opts.expectedContactId, opts.replay.now()),
    checkProof(proof, opts.expectedA.signKey, {
      replay: opts.replay,
      maxLifetime: PROOF_LIFETIME.identify,
      what: 'peer-identify result',
    }),
    digestOf(opts.request),
  ])
  if (file.status === 'rejected') throw file.reason
  const verified = file.value
  if (verified.file.A.sig !== opts.expectedA.sig) {
    throw new OpenPeerError('ERR_CONTACT_MISMATCH', 'peer-identify answered with another section A')
  }
  if (signed.status === 'rejected') throw signed.reason
  if (digest.status === 'rejected') throw digest.reason
  if (proof.digest !== digest.value) {
    throw new OpenPeerError('ERR_SIGNATURE', 'peer-identify result answers another request')
  }
  if (proof.location.id !== opts.expectedLocationId) {
    throw new OpenPeerError('ERR_SIGNATURE', 'peer-identify answered from another location')
  }
  checkMirrored(proof.fingerprints, opts.live)
  return verified
}

/** What both sides of the handshake know of their session (a PeerSession's own options). */
export interface IdentifySide {
  me: () => LocalIdentity
  context: string
  remote: { contactId: string; A: SectionA; locationId: string }
  findSecret?: string | undefined
  known: (contactId: string) => boolean
  replay: ReplayCache
}

type Admitted = { peer: VerifiedPeerFile; location: { id: string; label: string } }

/** The initiator proves itself over the link and checks who answered. */
export async function identifyAsInitiator(
  side: IdentifySide,
  live: Fingerprints,
  ask: (proof: IdentifyProof) => Promise<{ proof: IdentifyResultProof }>,
  early?: EarlyIdentify,
): Promise<Admitted> {
  // Signed ahead (while ICE and DTLS ran) only counts for the fingerprints the link has now.
  const ahead = await early?.proof.catch(() => undefined)
  const request =
    ahead && early && sameFingerprints(early.fingerprints, live)
      ? ahead
      : await signIdentify(side, live)
  const result = await ask(request)
  const peer = await checkIdentifyResult(result.proof, {
    expectedA: side.remote.A,
    expectedContactId: side.remote.contactId,
    expectedLocationId: side.remote.locationId,
    request,
    live,
    replay: side.replay,
  })
  return { peer, location: result.proof.location }
}

/** An identify request signed before the link was up, for the fingerprints it names. */
export interface EarlyIdentify {
  fingerprints: Fingerprints
  proof: Promise<IdentifyProof>
}

/**
 * The initiator's request, signed as soon as both session descriptions are set (they hold the
 * fingerprints): the signature is then made while ICE and DTLS run, not after `connect`.
 * identifyAsInitiator uses it only if the live fingerprints are still the ones it names.
 */
export function identifyAhead(side: IdentifySide, fingerprints: Fingerprints): EarlyIdentify {
  const proof = signIdentify(side, fingerprints)
  proof.catch(() => undefined) // signed again at connect if this failed
  return { fingerprints, proof }
}

function signIdentify(side: IdentifySide, fingerprints: Fingerprints): Promise<IdentifyProof> {
  return makeIdentify(side.me(), {
    context: side.context,
    findSecret: side.findSecret,
    fingerprints,
    now: side.replay.now(),
  })
}

const sameFingerprints = (a: Fingerprints, b: Fingerprints): boolean =>
  a.local === b.local && a.remote === b.remote

/** The target checks the initiator's identify and signs its answer. */
export async function answerIdentify(
  side: IdentifySide,
  live: Fingerprints,
  proof: IdentifyProof,
): Promise<Admitted & { result: IdentifyResultProof }> {
  const me = side.me()
  const peer = await checkIdentify(proof, {
    me,
    expectedContactId: side.remote.contactId,
    expectedLocationId: side.remote.locationId,
    context: side.context,
    live,
    replay: side.replay,
    known: side.known,
  })
  const result = await makeIdentifyResult(me, proof, live, side.replay.now())
  return { peer, location: proof.location, result }
}
