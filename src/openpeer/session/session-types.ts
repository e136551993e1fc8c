import type { OpenPeerError } from '../errors.ts'
import type { SectionA, VerifiedPeerFile } from '../identity/peer-file.ts'
import type { PeerLike } from '../ports.ts'
import type { ReplayCache } from '../wire/replay.ts'
import type { LocalIdentity } from './identify.ts'
import type { IncomingNotify } from '../wire/endpoint.ts'

/** What a peer session is made of and says: its options, timings, states and events. */

export type SessionState = 'signalling' | 'identifying' | 'open' | 'closed'

/** offer, answer, candidate… of a simple-peer signal; 'other' when it names none */
export function signalType(signal: unknown): string {
  return String((signal as { type?: unknown } | null)?.type ?? 'other')
}

export interface SessionTimings {
  connectTimeout: number
  identifyTimeout: number
  keepAlive: number
  deadAfter: number
  /** ICE has this long to connect before the session falls back to the relay tunnel */
  iceTimeout: number
  /** how often a session on the tunnel tries to move onto an ICE path */
  upgradeEvery: number
}

export const DEFAULT_TIMINGS: SessionTimings = {
  connectTimeout: 30_000,
  identifyTimeout: 15_000,
  // A 10 s outage must not end a session (keep-alives resume and nothing is lost); a path that
  // is gone for good is given up within half a minute and the contact found again.
  keepAlive: 10_000,
  deadAfter: 25_000,
  iceTimeout: 10_000,
  upgradeEvery: 30_000,
}

export interface PeerSessionOptions {
  me: () => LocalIdentity
  peer: PeerLike
  context: string
  /** 'initiator' sent the find and proves itself first; 'target' answered it */
  role: 'initiator' | 'target'
  remote: { contactId: string; A: SectionA; locationId: string }
  /** the target's find secret, presented by the initiator in peer-identify */
  findSecret?: string | undefined
  known: (contactId: string) => boolean
  replay: ReplayCache
  /** signalling before the session is up goes through the finder */
  sendSignal: (signal: unknown) => void
  timings?: Partial<SessionTimings>
}

export interface PeerSessionEvents {
  identified: { peer: VerifiedPeerFile; location: { id: string; label: string } }
  closed: { error?: OpenPeerError | undefined }
  /** the bytes took another path (onto or off the relay tunnel) */
  path: undefined
  notify: IncomingNotify
}
