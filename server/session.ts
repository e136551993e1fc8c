import { OpenPeerError } from '../src/openpeer/errors.ts'
import { contactIdOf, formatPeerUri } from '../src/openpeer/identity/index.ts'
import {
  PROOF_LIFETIME,
  checkFresh,
  checkProof,
  type RequestOf,
  type ResultBody,
} from '../src/openpeer/wire/index.ts'
import type { Connection, FinderContext } from './context.ts'
import { verifySigned } from './verify.ts'

/**
 * session-create (PROTOCOL §5.2): the proof must be signed by the key of the section A it
 * carries, be fresh and unused, and name this finder. A section B, if present, makes the
 * location findable by whoever holds the same B.
 */
export async function sessionCreate(
  ctx: FinderContext,
  conn: Connection,
  msg: RequestOf<'session-create'>,
): Promise<ResultBody<'session-create'>> {
  const { proof } = msg
  const { A, B } = proof.peer
  // Everything cheap first (docs/finder.md "Flood"): only then the signatures, within bounds.
  if (proof.finder !== conn.domain) {
    throw new OpenPeerError('ERR_FORBIDDEN', 'proof is for another finder')
  }
  const what = 'session proof'
  checkFresh(proof, { maxLifetime: PROOF_LIFETIME.finder, now: ctx.replay.now(), what })
  if (A.expires < ctx.replay.now()) throw new OpenPeerError('ERR_EXPIRED', 'section A has expired')
  if (await ctx.replay.seen(proof.nonce))
    throw new OpenPeerError('ERR_REPLAY', 'this proof was already used')
  // All crypto runs through the gate (WebCrypto shares libuv's 4 threads, digests too), the
  // cheapest first: section B's contact needs only a hash.
  const contactId = await ctx.verifier.run(
    conn,
    async () => {
      const contactId = await contactIdOf(A)
      if (B && B.contact !== formatPeerUri({ domain: A.domain, contactId })) {
        throw new OpenPeerError('ERR_CONTACT_MISMATCH', 'section B names another contact')
      }
      // verifySectionA would hash A again: the id is above, A's expiry was checked before.
      await verifySigned(A.signKey, A, 'section A signature')
      await checkProof(proof, A.signKey, {
        verify: verifySigned,
        replay: ctx.replay,
        maxLifetime: PROOF_LIFETIME.finder,
        what,
      })
      if (B) await verifySigned(A.signKey, B, 'section B signature')
      return contactId
    },
    B ? 3 : 2,
  )
  const expires = Date.now() + ctx.limits.registrationTtl
  const session = conn.session
  await ctx.registry.register(
    {
      session,
      node: ctx.registry.node,
      contactId,
      locationId: proof.location.id,
      label: proof.location.label,
      A,
      findSecret: B?.findSecret,
      expires,
    },
    { maxLocations: ctx.limits.locationsPerContact },
  )
  await ctx.registry.rememberPeerFile(contactId, A)
  // The socket may have closed while we were verifying: its close handler already ran.
  if (conn.closed) {
    await ctx.registry.unregister(session)
    throw new OpenPeerError('ERR_SESSION_CLOSED', 'socket closed')
  }
  // Registered and honest so far: its signature checks go first from now on (verify-gate.ts).
  conn.trusted = !conn.suspect
  // TURN costs the operator bandwidth: only a socket that proved an identity gets credentials.
  const turn = ctx.turn?.grant(session)
  return { expires, location: proof.location.id, ...(turn ? { turn } : {}) }
}

export async function sessionKeepAlive(
  ctx: FinderContext,
  conn: Connection,
): Promise<ResultBody<'session-keep-alive'>> {
  const expires = Date.now() + ctx.limits.registrationTtl
  const until = await ctx.registry.keepAlive(conn.session, expires)
  if (until === undefined)
    throw new OpenPeerError('ERR_FORBIDDEN', 'register first (session-create)')
  return { expires: until }
}

export async function sessionDelete(
  ctx: FinderContext,
  conn: Connection,
): Promise<ResultBody<'session-delete'>> {
  await ctx.registry.unregister(conn.session)
  conn.trusted = false
  return {}
}

/** Section A of any contact that ever registered here: public, so no registration needed. */
export async function peerFileGet(
  ctx: FinderContext,
  msg: RequestOf<'peer-file-get'>,
): Promise<ResultBody<'peer-file-get'>> {
  const A = await ctx.registry.knownPeerFile(msg.contactId)
  if (!A) throw new OpenPeerError('ERR_NOT_FOUND', 'no peer file is known for this contact')
  return { peer: { A } }
}
