import type { OpenPeerError } from '../errors.ts'
import type { PeerSession } from '../session/peer-session.ts'
import type { IncomingNotify, IncomingRequest } from '../wire/endpoint.ts'

/**
 * How a device link's throwaway client hears the device messages (`device-*`) of its sessions:
 * the client routes them here instead of refusing them (client/routing.ts).
 */
export interface DeviceHandler {
  request(session: PeerSession, message: IncomingRequest): Promise<object>
  notify(session: PeerSession, message: IncomingNotify): void
}

/** A newcomer that opened our device link and waits for the user's approval. */
export interface PendingDevice {
  /** the newcomer's throwaway contact id: what approve/decline name */
  id: string
  /** the name the newcomer gave itself ("Alice's laptop") */
  name: string
  /** the short code its screen shows too (e.g. "123 456") */
  code: string
}

export interface DeviceLinkEvents {
  /** someone opened the link: show "Approve <name>" with the code */
  pending: PendingDevice
  /** a waiting newcomer went away before the user chose (its browser closed) */
  gone: { id: string }
  /** the identity went over and was stored: the new device is one of ours now */
  linked: { id: string; name: string }
  /** the link is over (linked, declined, expired or stopped); error says why when not linked */
  ended: { error?: OpenPeerError | undefined }
}
