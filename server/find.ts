import { createHmac, timingSafeEqual } from 'node:crypto'
import { isDeepStrictEqual } from 'node:util'
import { OpenPeerError } from '../src/openpeer/errors.ts'
import { findSecretMessage, parsePeerUri, randomId } from '../src/openpeer/identity/index.ts'
import {
  PROOF_LIFETIME,
  checkFresh,
  checkProof,
  encode,
  type NotifyOf,
  type RequestOf,
  type ResultBody,
  type WireMessage,
} from '../src/openpeer/wire/index.ts'
import { deliver, reachable, type Connection, type FinderContext } from './context.ts'
import type { Registration } from './registry.ts'
import { verifyReused } from './verify.ts'

/** Routes outlive the find proof a little: signalling continues after the proof expired. */
const ROUTE_GRACE = 5 * 60_000

/** The sender's live registration, or 403: only registered locations may find or be found. */
export async function registered(ctx: FinderContext, conn: Connection): Promise<Registration> {
  return registeredAs(await ctx.registry.get(conn.session))
}

/** A socket's registration as the registry gave it, or 403 (see registered). */
export function registeredAs(reg: Registration | undefined): Registration {
  if (!reg) throw new OpenPeerError('ERR_FORBIDDEN', 'register first (session-create)')
  return reg
}

/**
 * Locations whose registered B matches the proof: a stale or rotated B rings nobody.
 *
 * The same HMAC as the library's findSecretProof, through node:crypto: WebCrypto's import and
 * sign are two jobs on libuv's pool (~70-190 µs a find) for a hash of 100 bytes that
 * createHmac does in ~8 µs on the spot (bench:finder). find.test.ts makes its proofs with the
 * library: a match forks, a wrong secret or one digit off rings nobody.
 */
function holdersOf(
  targets: Registration[],
  proof: RequestOf<'peer-location-find'>['proof'],
  fromId: string,
): Registration[] {
  const { to, context, nonce, expires } = proof
  const message = findSecretMessage({ from: fromId, to, context, nonce, expires })
  const claimed = Buffer.from(proof.findSecretProof, 'hex')
  const expected = new Map<string, Buffer>()
  const out: Registration[] = []
  for (const reg of targets) {
    const secret = reg.findSecret
    if (secret === undefined) continue
    let want = expected.get(secret)
    if (!want) {
      want = createHmac('sha256', secret).update(message).digest()
      expected.set(secret, want)
    }
    // Buffer.from(…, 'hex') stops at the first non-hex pair: the lengths then differ.
    if (claimed.length === want.length && timingSafeEqual(claimed, want)) out.push(reg)
  }
  return out
}

/**
 * peer-location-find request (PROTOCOL §5.3): checks that the initiator is who it says and holds
 * the target's find secret, then forks the proof, unchanged, to every matching location of the
 * target and remembers where the replies go.
 */
export async function findRequest(
  ctx: FinderContext,
  conn: Connection,
  msg: RequestOf<'peer-location-find'>,
): Promise<ResultBody<'peer-location-find'>> {
  const { proof } = msg
  // The three lookups at once: with Redis each is a round trip (bench:finder, two nodes). Their
  // answers are still judged in the order below; a bad `to` is refused where it was.
  let target: string | undefined
  let badTo: unknown
  try {
    target = parsePeerUri(proof.to).contactId
  } catch (err) {
    badTo = err
  }
  const [mine, seen, targets] = await Promise.all([
    ctx.registry.get(conn.session),
    ctx.replay.seen(proof.nonce),
    target === undefined ? [] : ctx.registry.locations(target),
  ])
  const me = registeredAs(mine)
  // Cheap checks first, the signature last (docs/finder.md "Flood"). The registered A was
  // verified at session-create: the same A needs no second check. Equal as parsed JSON means
  // equal in JCS (isDeepStrictEqual only also tells -0 from 0, which refuses, never admits).
  if (!isDeepStrictEqual(proof.from, me.A) || proof.fromLocation !== me.locationId) {
    throw new OpenPeerError('ERR_FORBIDDEN', 'a find must come from the registered location')
  }
  // (What verifySectionA would still say of it: it may have expired since it registered.)
  if (me.A.expires < ctx.replay.now())
    throw new OpenPeerError('ERR_EXPIRED', 'section A has expired')
  const fromId = me.contactId
  const what = 'find proof'
  checkFresh(proof, { maxLifetime: PROOF_LIFETIME.finder, now: ctx.replay.now(), what })
  if (seen) throw new OpenPeerError('ERR_REPLAY', 'this proof was already used')
  if (target === undefined) throw badTo
  let locations = reachable(ctx, targets)
  if (target === me.contactId) {
    // Finding one's own other devices is fine; ringing oneself is not.
    locations = locations.filter((reg) => reg.session !== conn.session)
    if (locations.length === 0) {
      throw new OpenPeerError('ERR_BAD_MESSAGE', 'a location cannot find itself')
    }
  }
  if (locations.length === 0) {
    throw new OpenPeerError('ERR_NOT_FOUND', 'contact is offline or unknown')
  }
  if (!locations.some((reg) => reg.findSecret !== undefined)) {
    throw new OpenPeerError('ERR_FIND_DENIED', 'contact is not findable')
  }
  // The crypto, through the gate (verify-gate.ts): the find secret proof (an HMAC) first, the
  // signature only for a find that holds the secret.
  const holders = await ctx.verifier.run(conn, async () => {
    const holders = holdersOf(locations, proof, fromId)
    if (holders.length === 0) {
      throw new OpenPeerError('ERR_FIND_DENIED', 'find secret proof does not match')
    }
    await checkProof(proof, proof.from.signKey, {
      verify: verifyReused,
      replay: ctx.replay,
      maxLifetime: PROOF_LIFETIME.finder,
      what,
    })
    return holders
  })
  await ctx.registry.addRoute(
    {
      context: proof.context,
      initiatorSession: conn.session,
      initiatorNode: ctx.registry.node,
      initiatorLocation: me.locationId,
      initiatorContactId: me.contactId,
      targetContactId: target,
      expires: proof.expires + ROUTE_GRACE,
    },
    { maxPerSession: ctx.limits.routesPerSocket },
  )
  const fork: WireMessage = {
    v: 1,
    kind: 'request',
    type: 'peer-location-find',
    id: randomId(),
    proof,
  }
  const text = encode(fork, 'finder')
  // Holders on other nodes get the same frame through Redis pub/sub.
  const delivered = await Promise.all(holders.map((reg) => deliver(ctx, reg, text)))
  const to = holders.filter((_, i) => delivered[i]).map((reg) => reg.locationId)
  // Every matching socket closed while we were checking: to the initiator that is "offline".
  if (to.length === 0) throw new OpenPeerError('ERR_NOT_FOUND', 'contact is offline or unknown')
  return { locations: to.length, to }
}

/**
 * peer-location-find notify: a target location's signed reply, routed back to the initiator by
 * `context`. The finder checks who signed it, never what the sealed part says.
 */
export async function findReply(
  ctx: FinderContext,
  conn: Connection,
  msg: NotifyOf<'peer-location-find'>,
): Promise<void> {
  const { proof } = msg
  // Both lookups at once (two Redis round trips in one), judged in order.
  const [route, mine] = await Promise.all([
    ctx.registry.route(proof.context),
    ctx.registry.get(conn.session),
  ])
  if (!route) throw new OpenPeerError('ERR_NOT_FOUND', 'no find is open for this context')
  const me = registeredAs(mine)
  if (me.contactId !== route.targetContactId || proof.location !== me.locationId) {
    throw new OpenPeerError('ERR_FORBIDDEN', 'only a location of the found contact may reply')
  }
  await ctx.verifier.run(conn, () => verifyReused(me.A.signKey, proof, 'find reply signature'))
  const forward: WireMessage = {
    v: 1,
    kind: 'notify',
    type: 'peer-location-find',
    id: randomId(),
    proof,
  }
  const initiator = { session: route.initiatorSession, node: route.initiatorNode }
  if (!(await deliver(ctx, initiator, forward))) {
    throw new OpenPeerError('ERR_NOT_FOUND', 'the initiator has gone')
  }
}
