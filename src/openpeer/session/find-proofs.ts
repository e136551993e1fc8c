import { z } from 'zod'
import { OpenPeerError } from '../errors.ts'
import { constantTimeEqual } from '../identity/encoding.ts'
import { findSecretProof } from '../identity/find-secret.ts'
import type { PublicJwk } from '../identity/keys.ts'
import { verifyPeerFile, verifySectionA, type SectionA } from '../identity/peer-file.ts'
import { seal, unseal } from '../identity/seal.ts'
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
 */

export type FindProof = RequestBody<'peer-location-find'>['proof']
export type FindReplyProof = NotifyBody<'peer-location-find'>['proof']
export type SignalProof = NotifyBody<'peer-location-signal'>['proof']
type Location = { id: string; label: string }

// What travels sealed inside the find exchange; decoded like any wire message.
const findSealed = z.strictObject({ location: locationSchema, peer: peerFileSchema })
const replySealed = z.strictObject({ location: locationSchema, signal: signalDataSchema })
const signalSealed = z.strictObject({ signal: signalDataSchema })

/** Lifetime of a find request: finders allow up to 5 minutes (PROTOCOL §8). */
const FIND_LIFETIME = 2 * 60_000

export interface FindTarget {
  contactId: string
  A: SectionA
  findSecret: string
}

/** A find request from `me` to `target`, for the exchange named `context`. */
export async function makeFind(
  me: LocalIdentity,
  target: FindTarget,
  context: string,
  nonce: string,
  now: number,
): Promise<FindProof> {
  const expires = now + FIND_LIFETIME
  const to = formatPeerUri({ domain: target.A.domain, contactId: target.contactId })
  const binding = { from: me.contactId, to, context, nonce, expires }
  return signJson(me.keys.sign.privateKey, {
    to,
    findSecretProof: await findSecretProof(target.findSecret, binding),
    context,
    from: me.file.A,
    fromLocation: me.location.id,
    sealed: await seal(target.A.boxKey, { location: me.location, peer: me.file }, 'find'),
    nonce,
    expires,
  })
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
): Promise<{ initiatorId: string; location: Location }> {
  const initiatorId = await verifySectionA(proof.from, undefined, replay.now())
  await checkProof(proof, proof.from.signKey, {
    replay,
    maxLifetime: PROOF_LIFETIME.finder,
    what: 'find request',
  })
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
  const inner = findSealed.safeParse(await unseal(me.keys.box.privateKey, proof.sealed, 'find'))
  if (!inner.success) throw new OpenPeerError('ERR_BAD_MESSAGE', 'sealed find payload is malformed')
  // The sealed peer file must be the one that rang (the session re-checks it at identify).
  await verifyPeerFile(inner.data.peer, initiatorId, replay.now())
  if (inner.data.location.id !== proof.fromLocation) {
    throw new OpenPeerError('ERR_SIGNATURE', 'sealed location differs from the signed one')
  }
  return { initiatorId, location: inner.data.location }
}

/** The target's signed answer to the find whose digest is `requestDigest`, with its offer. */
export async function makeFindReply(
  me: LocalIdentity,
  find: { digest: string; context: string; initiatorBox: PublicJwk },
  signal: unknown,
  now: number,
): Promise<FindReplyProof> {
  const sealed = await seal(find.initiatorBox, { location: me.location, signal }, 'find-reply')
  return makeProof(
    me.keys.sign.privateKey,
    { requestDigest: find.digest, context: find.context, location: me.location.id, sealed },
    undefined,
    now,
  )
}

/** The initiator's checks of a reply: signed by the target, fresh, and its sealed offer. */
export async function openFindReply(
  proof: FindReplyProof,
  target: SectionA,
  me: LocalIdentity,
  replay: ReplayCache,
): Promise<{ signal: unknown }> {
  await checkProof(proof, target.signKey, {
    replay,
    maxLifetime: PROOF_LIFETIME.finder,
    what: 'find reply',
  })
  const inner = replySealed.safeParse(
    await unseal(me.keys.box.privateKey, proof.sealed, 'find-reply'),
  )
  if (!inner.success) throw new OpenPeerError('ERR_BAD_MESSAGE', 'sealed find reply is malformed')
  if (inner.data.location.id !== proof.location) {
    throw new OpenPeerError('ERR_SIGNATURE', 'sealed location differs from the signed one')
  }
  return { signal: inner.data.signal }
}

/** A signed, sealed signal (SDP or candidate) from our location to `to`, until the session is up. */
export async function makeSignal(
  me: LocalIdentity,
  route: { context: string; to: string; box: PublicJwk },
  signal: unknown,
  now: number,
): Promise<SignalProof> {
  const sealed = await seal(route.box, { signal }, 'signal')
  return makeProof(
    me.keys.sign.privateKey,
    { context: route.context, from: me.location.id, to: route.to, sealed },
    undefined,
    now,
  )
}

export async function openSignal(
  proof: SignalProof,
  sender: SectionA,
  me: LocalIdentity,
  replay: ReplayCache,
): Promise<unknown> {
  await checkProof(proof, sender.signKey, {
    replay,
    maxLifetime: PROOF_LIFETIME.finder,
    what: 'signal',
  })
  const inner = signalSealed.safeParse(await unseal(me.keys.box.privateKey, proof.sealed, 'signal'))
  if (!inner.success) throw new OpenPeerError('ERR_BAD_MESSAGE', 'sealed signal is malformed')
  return inner.data.signal
}
