import type { NotifyBody, RequestBody, ResultBody } from '../wire/messages.ts'
import type { PeerSession } from './peer-session.ts'

type FindNotify = 'peer-location-find' | 'peer-location-signal'

/**
 * What carries one find exchange (PROTOCOL §5.3, §5.6): a finder's socket, or the session of a
 * mutual contact who passes it on (an introducer). The find's objects are signed and sealed
 * end to end, so whichever carries them can neither read nor forge them.
 */
export interface FindChannel {
  /** who carries it, for messages: a finder's domain or "through <name>" */
  readonly via: string
  request(
    type: 'peer-location-find',
    body: RequestBody<'peer-location-find'>,
    opts?: { signal?: AbortSignal },
  ): Promise<ResultBody<'peer-location-find'>>
  notify<T extends FindNotify>(type: T, body: NotifyBody<T>): void
  /**
   * The relay tunnel beside the channel, where it has one (a finder: PROTOCOL §5.7); absent
   * through an introducer, whose session is no relay for others' bytes.
   */
  readonly relay?: {
    /** where both sides connect */
    url: string
    /**
     * every relay of that finder's domain (a cluster has one per node): the initiator opens its
     * relay on its own node and names it, and the target joins it there if it is one of these
     */
    urls?: readonly string[]
    /** a relay's two tokens for the exchange `context` (the finder checks who asks) */
    open(context: string): Promise<{ token: string; peerToken: string }>
  }
}

/** A find carried by the session of a contact who passes it on to its target. */
export function sessionChannel(session: PeerSession, via: string): FindChannel {
  return {
    via,
    request: (type, body, opts) => session.request(type, body, opts),
    notify: (type, body) => session.notify(type, body),
  }
}
