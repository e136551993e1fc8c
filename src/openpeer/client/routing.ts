import { OpenPeerError } from '../errors.ts'
import { verifyPeerFile, type VerifiedPeerFile } from '../identity/peer-file.ts'
import type { PeerSession } from '../session/peer-session.ts'
import type { Threads } from '../threads/threads.ts'
import type { TorrentService } from '../torrents/service.ts'

export interface RoutingDeps {
  threads: Threads
  torrents: TorrentService | undefined
  /** a verified new B or C of the session's contact */
  onPeerFile(peer: VerifiedPeerFile): Promise<void>
  report(error: unknown, during: string): void
  now: () => number
}

/** Which module answers which request and notify of an open session (PROTOCOL §5.5). */
export function routeSession(session: PeerSession, deps: RoutingDeps): void {
  session.serve(async (m) => {
    if (m.type === 'thread-message') return deps.threads.onRequest(session, m)
    if (m.type === 'torrent-wire' && deps.torrents) return deps.torrents.onWireRequest(session, m)
    throw new OpenPeerError('ERR_NOT_FOUND', `${m.type} is not served here`)
  })
  session.on('notify', (m) => {
    if (deps.threads.onNotify(session, m)) return
    if (m.type === 'torrent-offer') return deps.torrents?.onOffer(session, m)
    if (m.type === 'peer-file-update' && session.remotePeer) {
      const A = session.remotePeer.file.A
      verifyPeerFile({ A, ...m.peer }, session.remoteContactId, deps.now())
        .then((p) => deps.onPeerFile(p))
        .catch((err: unknown) => deps.report(err, 'peer-file-update'))
    }
  })
}
