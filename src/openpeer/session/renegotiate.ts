import { abortError } from '../errors.ts'
import type { PeerLike } from '../ports.ts'

/**
 * Renegotiates a connected peer (new offer/answer over the control channel, never the finder)
 * and resolves once signalling is stable again. With `iceRestart`, the offerer restarts ICE; the
 * answerer can only ask the offerer to renegotiate (`askOfferer`), and simple-peer's request has
 * no room to ask for a restart, so from that side it is a plain renegotiation.
 */
export function renegotiate(
  peer: PeerLike,
  askOfferer: () => void,
  opts: { signal?: AbortSignal; iceRestart?: boolean } = {},
): Promise<void> {
  const signal = AbortSignal.any(
    [AbortSignal.timeout(15_000), opts.signal].filter((s): s is AbortSignal => !!s),
  )
  return new Promise<void>((resolve, reject) => {
    const onNegotiated = (): void => {
      signal.removeEventListener('abort', onAbort)
      if (opts.iceRestart) peer.offerOptions = {}
      resolve()
    }
    const onAbort = (): void => {
      peer.removeListener('negotiated', onNegotiated)
      reject(abortError(signal))
    }
    signal.addEventListener('abort', onAbort, { once: true })
    peer.once('negotiated', onNegotiated)
    if (!peer.initiator) return askOfferer()
    if (opts.iceRestart) peer.offerOptions = { iceRestart: true }
    peer.negotiate()
  })
}
