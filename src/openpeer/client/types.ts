import type { OpenPeerError } from '../errors.ts'
import type { FinderState } from '../finder/connection.ts'
import type { ConnectionPath } from '../session/path.ts'
import type { ReceivedMessage } from '../threads/threads.ts'
import type { TorrentEvents } from '../torrents/types.ts'

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
}

export interface MessageState {
  contactId: string
  msgId: string
  state: 'delivered' | 'read'
}

/** Every event the client emits; `noun:verb`, payloads are plain data. */
export interface ClientEvents extends TorrentEvents {
  'finder:state': { domain: string; state: FinderState; error?: OpenPeerError | undefined }
  'contact:added': ContactView
  'contact:updated': ContactView
  'contact:state': ContactView
  'message:received': ReceivedMessage
  'message:state': MessageState
  'session:open': { contactId: string; locationId: string; role: 'initiator' | 'target' }
  'session:closed': { contactId: string; locationId: string; error?: OpenPeerError | undefined }
  /** something went wrong that nobody awaited; the client carries on */
  'client:error': { error: OpenPeerError; during: string }
  /** a security check failed: someone sent forged, replayed or redirected data */
  'security:alert': { error: OpenPeerError; during: string }
}
