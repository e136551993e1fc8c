import { raceSignal } from '../async.ts'
import { OpenPeerError } from '../errors.ts'
import type { MediaPorts, MediaStreamLike, MediaTrackLike, PeerConnectionLike } from '../ports.ts'
import type { Call } from './types.ts'

export type MediaConnection = PeerConnectionLike &
  Required<Pick<PeerConnectionLike, 'addTrack' | 'removeTrack' | 'addEventListener'>>

/** A relay tunnel's connection carries bytes only; a WebRTC one can carry tracks. */
export function hasMediaPath(pc: PeerConnectionLike): pc is MediaConnection {
  return typeof pc.addTrack === 'function' && typeof pc.addEventListener === 'function'
}

/**
 * Puts the call's tracks on the connection, and on the offerer's side asks for the kinds it
 * does not send (see `Calls.connect`). Throws where the connection cannot carry media.
 */
export function addLocalMedia(call: Call, pc: MediaConnection): void {
  for (const track of call.local?.getTracks() ?? []) {
    call.senders.push(pc.addTrack(track, call.local as MediaStreamLike))
  }
  if (call.session.makesOffers) {
    const kinds = call.view.video ? (['audio', 'video'] as const) : (['audio'] as const)
    for (const kind of kinds) {
      if (!tracksOf(call.local, kind).length && pc.addTransceiver) {
        call.transceivers.push(pc.addTransceiver(kind, { direction: 'recvonly' }))
      }
    }
  }
}

/** Stops our devices and takes back what the call put on the connection. */
export function releaseMedia(call: Call): void {
  stopAll(call.local)
  const pc = call.session.connection
  if (call.onTrack) pc.removeEventListener?.('track', call.onTrack)
  if (call.onIce) pc.removeEventListener?.('iceconnectionstatechange', call.onIce)
  const hadMedia = call.senders.length > 0 || call.transceivers.length > 0
  try {
    for (const sender of call.senders) pc.removeTrack?.(sender)
    for (const t of call.transceivers) t.direction = 'inactive'
  } catch {
    // the connection is closing: nothing left to take back
  }
  // Tell the other side our media stopped; the session itself goes on (chat, files).
  if (hadMedia && call.session.state === 'open') call.session.renegotiate().catch(() => {})
}

export function tracksOf(
  stream: MediaStreamLike | undefined,
  kind: 'audio' | 'video',
): MediaTrackLike[] {
  return stream?.getTracks().filter((t) => t.kind === kind) ?? []
}

export function stopAll(stream: MediaStreamLike | undefined): void {
  for (const t of stream?.getTracks() ?? []) t.stop()
}

/**
 * The microphone, and the camera for video. No camera (or one in use elsewhere, or blocked) is
 * not the end of a video call: it goes on with voice, and the view says we send no video.
 */
export async function getMedia(
  media: MediaPorts | undefined,
  video: boolean,
  signal: AbortSignal | undefined,
): Promise<MediaStreamLike> {
  if (!media) throw new OpenPeerError('ERR_NO_DEVICE', 'this device offers no microphone')
  // Settles as the signal's own reason (ERR_ABORTED or ERR_TIMEOUT), the library's one way.
  if (signal?.aborted) await raceSignal(signal, () => {})
  const asked = media.getUserMedia({ audio: true, video })
  try {
    // A prompt cannot be withdrawn: an abort settles now, and what it gives later is stopped.
    return signal
      ? await raceSignal<MediaStreamLike>(
          signal,
          (resolve, reject) => void asked.then(resolve, reject),
        )
      : await asked
  } catch (err) {
    if (signal?.aborted) {
      asked.then(stopAll, () => {})
      throw err
    }
    // Any refusal of the pair may be the camera's alone (none, busy elsewhere, blocked for this
    // site while the microphone is allowed): try the microphone alone before giving up.
    if (video) return getMedia(media, false, signal)
    throw mediaError(err)
  }
}

function mediaError(err: unknown): OpenPeerError {
  const name = (err as { name?: unknown } | null)?.name
  if (name === 'NotAllowedError' || name === 'SecurityError') {
    return new OpenPeerError('ERR_MEDIA_DENIED', 'the microphone or camera was not allowed', {
      cause: err,
    })
  }
  return new OpenPeerError('ERR_NO_DEVICE', 'no usable microphone was found', { cause: err })
}
