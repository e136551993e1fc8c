import { OpenPeerError } from '../errors.ts'
import type { PeerConnectionLike } from '../ports.ts'

/**
 * The DTLS certificate fingerprint an SDP declares (`a=fingerprint:sha-256 AB:CD:…`), normalised
 * to "<algo lowercase> <HEX UPPERCASE>". It is what binds the signed identity to the live
 * connection: a finder that swapped it would terminate DTLS itself.
 */
export function fingerprintOf(sdp: string | undefined | null): string {
  const match = /^a=fingerprint:(\S+) ([0-9A-Fa-f:]+)\s*$/m.exec(sdp ?? '')
  if (!match)
    throw new OpenPeerError('ERR_FINGERPRINT', 'the session description has no DTLS fingerprint')
  return `${(match[1] ?? '').toLowerCase()} ${(match[2] ?? '').toUpperCase()}`
}

/** Fingerprints as this side sees them on the live RTCPeerConnection. */
export function liveFingerprints(pc: PeerConnectionLike): { local: string; remote: string } {
  return {
    local: fingerprintOf(pc.localDescription?.sdp),
    remote: fingerprintOf(pc.remoteDescription?.sdp),
  }
}
