import { OpenPeerError } from '../src/openpeer/errors.ts'
import { randomId } from '../src/openpeer/identity/index.ts'
import type { NotifyOf, WireMessage } from '../src/openpeer/wire/index.ts'
import { deliver, reachable, type Connection, type FinderContext } from './context.ts'
import { registeredAs } from './find.ts'
import { verifyReused } from './verify.ts'

/**
 * peer-location-signal notify: SDP and trickled candidates between the two ends of an open find,
 * routed by `context`. Only the route's initiator location and the found contact's locations may
 * use a route, each only towards the other side. Sealed payloads stay sealed.
 */
export async function signal(
  ctx: FinderContext,
  conn: Connection,
  msg: NotifyOf<'peer-location-signal'>,
): Promise<void> {
  const { proof } = msg
  // Both lookups at once (two Redis round trips in one), judged in order.
  const [route, mine] = await Promise.all([
    ctx.registry.route(proof.context),
    ctx.registry.get(conn.session),
  ])
  if (!route) throw new OpenPeerError('ERR_NOT_FOUND', 'no find is open for this context')
  const me = registeredAs(mine)
  if (proof.from !== me.locationId) {
    throw new OpenPeerError('ERR_FORBIDDEN', 'a signal must come from the registered location')
  }
  const isInitiator =
    conn.session === route.initiatorSession &&
    me.contactId === route.initiatorContactId &&
    me.locationId === route.initiatorLocation
  let destination: { session: string; node: string }
  if (isInitiator) {
    const targets = reachable(ctx, await ctx.registry.locations(route.targetContactId))
    const to = targets.find((reg) => reg.locationId === proof.to)
    if (!to)
      throw new OpenPeerError('ERR_FORBIDDEN', 'signal is not addressed to the found contact')
    destination = to
  } else if (me.contactId === route.targetContactId) {
    if (proof.to !== route.initiatorLocation) {
      throw new OpenPeerError('ERR_FORBIDDEN', 'signal is not addressed to the initiator')
    }
    destination = { session: route.initiatorSession, node: route.initiatorNode }
  } else {
    throw new OpenPeerError('ERR_FORBIDDEN', 'this location is not a party to this find')
  }
  // Cheap for the finder, and it keeps junk off the other side's socket.
  await ctx.verifier.run(conn, () => verifyReused(me.A.signKey, proof, 'signal signature'))
  const forward: WireMessage = {
    v: 1,
    kind: 'notify',
    type: 'peer-location-signal',
    id: randomId(),
    proof,
  }
  if (!(await deliver(ctx, destination, forward))) {
    throw new OpenPeerError('ERR_NOT_FOUND', 'the other side has gone')
  }
}
