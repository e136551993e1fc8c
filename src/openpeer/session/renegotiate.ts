import { raceSignal, withTimeout } from '../async.ts'
import type { PeerLike } from '../ports.ts'

/**
 * Renegotiates a connected peer (new offer/answer over the control channel, never the finder)
 * and resolves once signalling is stable again. With `iceRestart`, the offerer restarts ICE; the
 * answerer asks the offerer to (`askOfferer`, which carries the wish over the control channel).
 */
export function renegotiate(
  peer: PeerLike,
  askOfferer: (iceRestart: boolean) => void,
  opts: { signal?: AbortSignal; iceRestart?: boolean } = {},
): Promise<void> {
  return raceSignal<void>(withTimeout(15_000, opts.signal), (resolve) => {
    const onNegotiated = (): void => {
      if (opts.iceRestart) peer.offerOptions = {}
      resolve()
    }
    peer.once('negotiated', onNegotiated)
    if (!peer.initiator) askOfferer(!!opts.iceRestart)
    else {
      if (opts.iceRestart) peer.offerOptions = { iceRestart: true }
      peer.negotiate()
    }
    return () => peer.removeListener('negotiated', onNegotiated)
  })
}
