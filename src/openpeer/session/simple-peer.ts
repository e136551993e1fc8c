import type { PeerConnectionLike, PeerLike, PeerOptions } from '../ports.ts'

/** What a simple-peer constructor gives (`@thaunknown/simple-peer`, or its lite build). */
interface SimplePeerInstance {
  _pc: PeerConnectionLike
}

/**
 * The host's `createPeer` port from a simple-peer constructor: the browser passes the lite build
 * (its own RTCPeerConnection), Node the default one (webrtc-polyfill). simple-peer keeps its
 * RTCPeerConnection in the private `_pc`; this is the one place that knows, and the rest of the
 * library reads it as `connection`.
 */
export function simplePeerFactory(
  Peer: new (opts: PeerOptions) => object,
): (opts: PeerOptions) => PeerLike {
  return (opts) => {
    const peer = new Peer(opts) as SimplePeerInstance
    // configurable: a host (or a test standing in for a relay that terminates DTLS) may wrap it
    Object.defineProperty(peer, 'connection', {
      get: () => peer._pc,
      enumerable: false,
      configurable: true,
    })
    // Owners (a session, a path switch) listen for errors while they hold the peer and remove
    // their listeners when they let it go; a datachannel that fails after that (its remote
    // closed without closing it first) makes simple-peer emit 'error' to nobody, which would
    // throw out of an event loop turn and end a Node host. Nobody holds it any more: ignore.
    ;(peer as unknown as PeerLike).on('error', () => {})
    return peer as unknown as PeerLike
  }
}
