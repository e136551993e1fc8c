import { OpenPeerError } from '../errors.ts'
import { parsePeerUri } from '../identity/uri.ts'
import type { NotifyOf, RequestOf } from '../wire/messages.ts'
import type { PeerSession } from './peer-session.ts'

type FindNotify = NotifyOf<'peer-location-find'> | NotifyOf<'peer-location-signal'>

interface Route {
  initiator: PeerSession
  targets: Set<PeerSession>
  timer: ReturnType<typeof setTimeout>
}

/** How long a find passed on keeps its route: its signalling is done within a minute. */
const ROUTE_TTL = 2 * 60_000
/** Finds one contact may have in flight through us at once. */
const ROUTES_PER_SESSION = 16

/**
 * The introducer's part of mesh signalling (PROTOCOL §5.6): a contact asks us to pass its find
 * to another of our contacts, and we carry the find, the reply and the signals between their
 * two sessions, as a finder would. Everything we carry is signed by its author and sealed to
 * its reader: we learn who seeks whom, never what they say, and cannot forge a word of it.
 */
export class Introducer {
  private readonly routes = new Map<string, Route>()

  constructor(
    private readonly deps: {
      /** our open sessions with a contact */
      sessionsOf(contactId: string): PeerSession[]
    },
  ) {}

  /** A contact's find for one of our contacts: passed on; resolves with how many answer. */
  async forward(
    from: PeerSession,
    message: RequestOf<'peer-location-find'>,
  ): Promise<{ locations: number; to?: string[] }> {
    const { proof } = message
    // Only the find's own author may hand it to us: we pass on finds, we do not launder them.
    const author = from.remotePeer?.file.A
    if (!author || proof.from.sig !== author.sig || proof.fromLocation !== from.remoteLocationId) {
      throw new OpenPeerError('ERR_FORBIDDEN', 'a find is passed on for its author only')
    }
    const target = parsePeerUri(proof.to).contactId
    if (target === from.remoteContactId) {
      throw new OpenPeerError('ERR_BAD_MESSAGE', 'a contact cannot find itself through us')
    }
    const sessions = this.deps.sessionsOf(target)
    if (sessions.length === 0) {
      throw new OpenPeerError('ERR_NOT_FOUND', 'not connected to that contact')
    }
    if (this.routes.has(proof.context)) {
      throw new OpenPeerError('ERR_CONFLICT', 'find context already in use')
    }
    const mine = [...this.routes.values()].filter((r) => r.initiator === from).length
    if (mine >= ROUTES_PER_SESSION) {
      throw new OpenPeerError('ERR_RATE_LIMITED', 'too many finds through us at once')
    }
    const route: Route = {
      initiator: from,
      targets: new Set(sessions),
      timer: setTimeout(() => this.drop(proof.context, route), ROUTE_TTL),
    }
    this.routes.set(proof.context, route)
    const answers = await Promise.allSettled(
      sessions.map((s) => s.request('peer-location-find', { proof })),
    )
    let locations = 0
    let to: string[] | undefined = []
    let failure: unknown
    answers.forEach((a, i) => {
      if (a.status === 'fulfilled') {
        locations += a.value.locations
        // Named only if every answer named its own.
        to = a.value.to && to ? [...to, ...a.value.to] : undefined
      } else {
        failure ??= a.reason
        route.targets.delete(sessions[i] as PeerSession)
      }
    })
    if (locations === 0) {
      this.drop(proof.context, route)
      throw failure ?? new OpenPeerError('ERR_NOT_FOUND', 'nobody answered')
    }
    return to ? { locations, to } : { locations }
  }

  /**
   * A reply or a signal that arrived on `from`: passed to the other side of its route. False
   * when we route no such exchange (it is then for us: the caller's rendezvous takes it).
   */
  route(from: PeerSession, message: FindNotify): boolean {
    const route = this.routes.get(message.proof.context)
    if (!route) return false
    const towards =
      from === route.initiator
        ? [...route.targets].filter(
            (s) =>
              message.type !== 'peer-location-signal' || s.remoteLocationId === message.proof.to,
          )
        : route.targets.has(from)
          ? [route.initiator]
          : []
    for (const s of towards) pass(s, message)
    return true
  }

  /** A session closed: the exchanges it carried end with it. */
  forget(session: PeerSession): void {
    for (const [context, route] of this.routes) {
      route.targets.delete(session)
      if (route.initiator === session || route.targets.size === 0) this.drop(context, route)
    }
  }

  stop(): void {
    for (const [context, route] of this.routes) this.drop(context, route)
  }

  private drop(context: string, route: Route): void {
    clearTimeout(route.timer)
    if (this.routes.get(context) === route) this.routes.delete(context)
  }
}

/** One reply or signal to one session, as it came: signed and sealed by its author. */
function pass(session: PeerSession, message: FindNotify): void {
  try {
    if (message.type === 'peer-location-find') {
      session.notify('peer-location-find', { proof: message.proof })
    } else session.notify('peer-location-signal', { proof: message.proof })
  } catch {
    // that session closed: its side of the exchange times out by itself
  }
}
