import type { OpenPeerError } from '../errors.ts'
import type { MediaPorts, MediaStreamLike, MediaTrackLike, TrackEventLike } from '../ports.ts'
import type { SessionManager } from '../session/manager.ts'
import type { PeerSession } from '../session/peer-session.ts'
import type { NotifyBody } from '../wire/messages.ts'

/**
 * outgoing / incoming: ringing; connecting: accepted, media being negotiated; active: media
 * negotiated both ways; ended: over (see `reason`).
 */
export type CallState = 'outgoing' | 'incoming' | 'connecting' | 'active' | 'ended'

/**
 * Why a call ended, from this side's point of view: `hangup` we hung up, `remote-hangup` they
 * did; `declined` / `busy` the callee's answer; `timeout` nobody answered our ring in time,
 * `missed` we did not answer theirs (or they gave up first); `failed` the session dropped or
 * the media could not be set up (`error` says which).
 */
export type CallEndReason =
  'hangup' | 'remote-hangup' | 'declined' | 'busy' | 'timeout' | 'missed' | 'failed'

/** A call as the host sees it: plain data, sent anew with every change. */
export interface CallView {
  callId: string
  contactId: string
  direction: 'outgoing' | 'incoming'
  /** the caller asked for video */
  video: boolean
  state: CallState
  muted: boolean
  cameraOff: boolean
  /** we send video: a camera was found and allowed (an audio-only device still calls) */
  sendingVideo: boolean
  /** when the media was negotiated (state active), on the client's clock */
  startedAt?: number | undefined
  reason?: CallEndReason | undefined
  error?: OpenPeerError | undefined
}

export interface CallEvents {
  /** a contact rings us: answer with accept or decline */
  'call:incoming': CallView
  /** any change of any call, the ringing included */
  'call:state': CallView
  /** a remote track arrived; `stream` is the caller's MediaStream holding it */
  'call:track': {
    callId: string
    contactId: string
    track: MediaTrackLike
    stream: MediaStreamLike
  }
}

export interface CallsOptions {
  sessions: SessionManager
  media: MediaPorts | undefined
  now: () => number
  emit<K extends keyof CallEvents>(event: K, payload: CallEvents[K]): void
  /**
   * Restarts ICE on the contact's sessions over their control channels (the client's
   * `renegotiate(contactId, { iceRestart: true })`, which gets fresh TURN credentials first).
   */
  restartIce?: (contactId: string) => Promise<void>
  ringTimeout?: number
}

/** A call inside Calls, with what it put on the connection: not part of the public API. */
export interface Call {
  view: CallView
  session: PeerSession
  local: MediaStreamLike | undefined
  /** what we added to the connection, to take back when the call ends */
  senders: unknown[]
  transceivers: { direction: string }[]
  onTrack: ((ev: TrackEventLike) => void) | undefined
  onIce: (() => void) | undefined
  /** an ICE restart under way (one at a time) */
  restarting: boolean
  timer: ReturnType<typeof setTimeout> | undefined
}

export type Dialog = NotifyBody<'dialog'>
