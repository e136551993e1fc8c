import type { CallEvents } from '../calls/calls.ts'
import type { ErrorCode, OpenPeerError } from '../errors.ts'
import type { FinderState } from '../finder/connection.ts'
import type { ConnectionPath } from '../session/path.ts'
import type { ReceivedMessage } from '../threads/threads.ts'
import type { TorrentEvents, TorrentServiceOptions } from '../torrents/types.ts'
import type { SessionTimings } from '../session/session-types.ts'

export type ContactState = 'offline' | 'connecting' | 'connected'

export interface IdentityInfo {
  contactId: string
  uri: string
  name: string
  domain: string
  /** a short, human-comparable fingerprint of the signing key */
  fingerprint: string
  locationId: string
}

export interface ContactView {
  contactId: string
  uri: string
  name: string
  domain: string
  added: number
  state: ContactState
  path: ConnectionPath | undefined
  /** false when we hold no find secret for them: they must ring us */
  findable: boolean
  /** the user compared safety numbers with them and marked them verified */
  verified: boolean
  /** why the last attempt to reach them failed (not shown while connected) */
  problem?: ContactProblem | undefined
}

/** A failed attempt to reach a contact, by its stable code (the UI words it). */
export interface ContactProblem {
  code: ErrorCode
  message: string
}

/** Who a security alert is about: a contact id, and their name when they are a contact. */
export interface AlertContact {
  contactId: string
  name?: string | undefined
}

export interface MessageState {
  contactId: string
  msgId: string
  state: 'delivered' | 'read'
}

/** Every event the client emits; `noun:verb`, payloads are plain data. */
export interface ClientEvents extends TorrentEvents, CallEvents {
  'finder:state': { domain: string; state: FinderState; error?: OpenPeerError | undefined }
  'contact:added': ContactView
  'contact:updated': ContactView
  'contact:state': ContactView
  /** a contact introduced us to someone, now in our contacts (PROTOCOL §5.6) */
  'contact:introduced': { contact: ContactView; by: { contactId: string; name: string } }
  'message:received': ReceivedMessage
  /** the user read these messages of a contact on another device of ours */
  'message:read': { contactId: string; msgIds: string[] }
  /** a message we sent from another device of ours (docs/devices.md) */
  'message:sent': { contactId: string; thread: string; msgId: string; body: string; sent: number }
  /**
   * Another device of ours removed this one: the identity was deleted here and the client
   * stopped (the host deletes the rest of its data)
   */
  'identity:removed': { by: string }
  /** another device of ours connected to this one, or went away */
  'device:state': { locationId: string; label: string; state: 'online' | 'offline' }
  'message:state': MessageState
  'session:open': { contactId: string; locationId: string; role: 'initiator' | 'target' }
  'session:closed': { contactId: string; locationId: string; error?: OpenPeerError | undefined }
  /** something went wrong that nobody awaited; the client carries on */
  'client:error': { error: OpenPeerError; during: string }
  /**
   * a security check failed: someone sent forged, replayed or redirected data. `contact` is who
   * the data came from or claimed to come from (a find names its sender; an invite its
   * inviter), with the name we know them by when they are in our contacts.
   */
  'security:alert': { error: OpenPeerError; during: string; contact?: AlertContact | undefined }
}

/** The file-sharing events the client passes on from its TorrentService (every one: checked). */
export const TORRENT_EVENTS = Object.keys({
  'torrent:offer': true,
  'torrent:progress': true,
  'torrent:done': true,
  'torrent:error': true,
} satisfies Record<keyof TorrentEvents, true>) as (keyof TorrentEvents)[]

export interface OpenPeerClientOptions {
  /** the home finder's domain (host[:port]) for a new identity; an existing one keeps its own */
  domain: string
  locationLabel?: string
  timings?: Partial<SessionTimings>
  /** reconnect backoff bounds, and the heartbeat that finds a finder socket dead (ms) */
  finder?: {
    minDelay?: number
    maxDelay?: number
    heartbeat?: { every?: number; timeout?: number }
    /** picks among a domain's several finders and paces reconnects (tests: deterministic) */
    random?: () => number
  }
  /** how often offline contacts are rung again, ms */
  retryEvery?: number
  /** how long a call rings before it ends as missed, ms (30 s) */
  ringTimeout?: number
  /** how long acceptInvite waits for the session, ms */
  inviteTimeout?: number
  /** the page's origin (`location.origin`): its own domain is bootstrapped over its scheme */
  origin?: string
  /** "Hide my IP address": connect through TURN relays only (see setRelayOnly) */
  relayOnly?: boolean
  /**
   * false for a location nobody looks at (a super-peer): it never sends "read" receipts, only
   * "delivered" (default true)
   */
  screen?: boolean
  /** "Accept introductions" (default true; see setAcceptIntroductions) */
  acceptIntroductions?: boolean
  /** file sharing tuning: progress event spacing, re-asking for wires, send-queue marks */
  torrents?: Pick<TorrentServiceOptions, 'progressEvery' | 'retryEvery' | 'sendQueue' | 'bt'>
}
