import { OpenPeerError, asOpenPeerError } from '../errors.ts'
import { randomId } from '../identity/encoding.ts'
import type { MediaStreamLike } from '../ports.ts'
import type { PeerSession } from '../session/peer-session.ts'
import { addLocalMedia, getMedia, hasMediaPath, releaseMedia, stopAll, tracksOf } from './media.ts'
import type { Call, CallEndReason, CallState, CallView, CallsOptions, Dialog } from './types.ts'

export type { CallEndReason, CallEvents, CallState, CallView, CallsOptions } from './types.ts'

/** How long a call rings before both sides give up on it (issue 13: at most 30 s). */
export const RING_TIMEOUT = 30_000

/**
 * Calls (Open Peer's dialogs): signalled with `dialog` notifies on the contact's open session,
 * media on that session's own RTCPeerConnection, renegotiated over its control channel. One
 * call at a time: a second invite is answered busy. Nothing here needs a finder.
 */
export class Calls {
  private readonly calls = new Map<string, Call>()
  private readonly ringTimeout: number

  constructor(private readonly opts: CallsOptions) {
    this.ringTimeout = opts.ringTimeout ?? RING_TIMEOUT
    opts.sessions.on('open', (session) =>
      session.on('notify', (m) => {
        if (m.type === 'dialog') this.onDialog(session, m)
      }),
    )
    opts.sessions.on('ended', ({ session, error }) => {
      for (const call of this.calls.values()) {
        if (call.session !== session) continue
        this.end(
          call,
          'failed',
          error ?? new OpenPeerError('ERR_SESSION_CLOSED', 'the connection to the contact closed'),
        )
      }
    })
  }

  /** The calls that are not over (at most one). */
  list(): CallView[] {
    return [...this.calls.values()].map((c) => ({ ...c.view }))
  }

  /** Our camera and microphone stream in a call, for the host to show ("Local video"). */
  localStream(callId: string): MediaStreamLike | undefined {
    return this.calls.get(callId)?.local
  }

  /**
   * Rings a connected contact. Asks for the microphone (and the camera for `video`; without a
   * camera the call goes on with voice). Resolves once the invite is sent; the answer comes as
   * `call:state`. ERR_UNAVAILABLE when not connected, ERR_NO_MEDIA_PATH on a relay tunnel,
   * ERR_CONFLICT when a call is on already, ERR_MEDIA_DENIED / ERR_NO_DEVICE from the devices.
   */
  async start(
    contactId: string,
    opts: { video?: boolean; signal?: AbortSignal } = {},
  ): Promise<CallView> {
    const video = opts.video ?? false
    this.sessionFor(contactId)
    const local = await getMedia(this.opts.media, video, opts.signal)
    let session: PeerSession
    try {
      // Checked again: the session may have gone, or a call come in, while the user chose.
      session = this.sessionFor(contactId)
    } catch (err) {
      stopAll(local)
      throw err
    }
    const call = this.add(session, {
      callId: randomId(12),
      contactId,
      direction: 'outgoing',
      video,
      state: 'outgoing',
      local,
    })
    this.send(call, { state: 'invite', video })
    call.timer = setTimeout(() => {
      this.send(call, { state: 'hangup' })
      this.end(call, 'timeout')
    }, this.ringTimeout)
    return { ...call.view }
  }

  /** Answers a ringing call: asks for the devices, then the media starts both ways. */
  async accept(callId: string, opts: { signal?: AbortSignal } = {}): Promise<void> {
    const call = this.require(callId, 'incoming')
    let local: MediaStreamLike
    try {
      local = await getMedia(this.opts.media, call.view.video, opts.signal)
    } catch (err) {
      // Without a microphone there is no call: the caller hears a decline, not endless ringing.
      if (this.calls.get(callId) === call && (err as OpenPeerError).code !== 'ERR_ABORTED') {
        this.send(call, { state: 'decline' })
        this.end(call, 'failed', asOpenPeerError(err, 'no microphone'))
      }
      throw err
    }
    if (this.calls.get(callId) !== call || call.view.state !== 'incoming') {
      stopAll(local)
      throw new OpenPeerError('ERR_CONFLICT', 'the call ended before it was answered')
    }
    call.local = local
    call.view = { ...call.view, sendingVideo: tracksOf(local, 'video').length > 0 }
    this.send(call, { state: 'accept' })
    this.connect(call)
  }

  decline(callId: string): void {
    const call = this.require(callId, 'incoming')
    this.send(call, { state: 'decline' })
    this.end(call, 'declined')
  }

  /** Ends a call in any state (a ringing one is cancelled); both sides see it end. */
  hangUp(callId: string): void {
    const call = this.calls.get(callId)
    if (!call) return
    this.send(call, { state: 'hangup' })
    this.end(
      call,
      call.view.direction === 'incoming' && call.view.state === 'incoming' ? 'declined' : 'hangup',
    )
  }

  /** Mutes or unmutes our microphone (the track stays: unmuting needs no renegotiation). */
  mute(callId: string, on: boolean): void {
    const call = this.require(callId)
    for (const t of tracksOf(call.local, 'audio')) t.enabled = !on
    this.update(call, { muted: on })
  }

  /** Turns our camera off or on (black frames, no renegotiation). */
  cameraOff(callId: string, on: boolean): void {
    const call = this.require(callId)
    for (const t of tracksOf(call.local, 'video')) t.enabled = !on
    this.update(call, { cameraOff: on })
  }

  /** Ends every call (the client stops). */
  stop(): void {
    for (const call of this.calls.values()) {
      this.send(call, { state: 'hangup' })
      this.end(call, 'hangup')
    }
  }

  private sessionFor(contactId: string): PeerSession {
    for (const c of this.calls.values()) {
      if (c.view.state !== 'ended')
        throw new OpenPeerError('ERR_CONFLICT', 'a call is on already: hang up first')
    }
    const session = this.opts.sessions.ofContact(contactId)[0]
    if (!session) throw new OpenPeerError('ERR_UNAVAILABLE', 'not connected to this contact')
    if (!hasMediaPath(session.connection)) {
      throw new OpenPeerError(
        'ERR_NO_MEDIA_PATH',
        'connected through the relay tunnel, which carries no audio or video',
      )
    }
    return session
  }

  private require(callId: string, state?: CallState): Call {
    const call = this.calls.get(callId)
    if (!call || (state && call.view.state !== state)) {
      throw new OpenPeerError(
        'ERR_NOT_FOUND',
        state ? `no ${state} call ${callId}` : 'no such call',
      )
    }
    return call
  }

  private add(
    session: PeerSession,
    init: Pick<CallView, 'callId' | 'contactId' | 'direction' | 'video' | 'state'> & {
      local: MediaStreamLike | undefined
    },
  ): Call {
    const { local, ...view } = init
    const call: Call = {
      view: {
        ...view,
        muted: false,
        cameraOff: false,
        sendingVideo: tracksOf(local, 'video').length > 0,
      },
      session,
      local,
      senders: [],
      transceivers: [],
      onTrack: undefined,
      onIce: undefined,
      restarting: false,
      timer: undefined,
    }
    this.calls.set(call.view.callId, call)
    if (call.view.state === 'incoming') this.opts.emit('call:incoming', { ...call.view })
    this.opts.emit('call:state', { ...call.view })
    return call
  }

  private onDialog(session: PeerSession, m: Dialog): void {
    const contactId = session.remoteContactId
    if (m.state === 'invite') {
      if (this.calls.has(m.call)) return
      const busy = [...this.calls.values()].some((c) => c.view.state !== 'ended')
      // A session on the relay tunnel cannot carry the media, a host without devices (a Node
      // super-peer) cannot answer: busy at once, not a ring that fails or rings out.
      if (busy || !hasMediaPath(session.connection) || !this.opts.media) {
        try {
          session.notify('dialog', { call: m.call, state: 'busy' })
        } catch {
          // the session closed meanwhile: the caller's call fails with it
        }
        return
      }
      const call = this.add(session, {
        callId: m.call,
        contactId,
        direction: 'incoming',
        video: m.video ?? false,
        state: 'incoming',
        local: undefined,
      })
      // Our own clock too, so a lost hang-up cannot leave us ringing for ever.
      call.timer = setTimeout(() => this.end(call, 'missed'), this.ringTimeout)
      return
    }
    const call = this.calls.get(m.call)
    // Only the session the call runs on speaks for it.
    if (!call || call.session !== session) return
    const { state } = call.view
    if (m.state === 'accept' && state === 'outgoing') return this.connect(call)
    if (m.state === 'decline' && state === 'outgoing') return this.end(call, 'declined')
    if (m.state === 'busy' && state === 'outgoing') return this.end(call, 'busy')
    if (m.state === 'hangup') {
      if (state === 'incoming') return this.end(call, 'missed')
      // hung up while it rang: as good as a decline
      if (state === 'outgoing') return this.end(call, 'declined')
      return this.end(call, 'remote-hangup')
    }
  }

  /**
   * Puts our tracks on the session's connection and renegotiates over its control channel.
   * Both sides do this once the call is accepted; the offerer also asks for the kinds it does
   * not send (an audio-only device in a video call), because only offers make m-lines and the
   * answerer's addTrack reuses the offered ones.
   */
  private connect(call: Call): void {
    this.clearTimer(call)
    this.update(call, { state: 'connecting' })
    const pc = call.session.connection
    if (!hasMediaPath(pc)) {
      this.send(call, { state: 'hangup' })
      return this.end(
        call,
        'failed',
        new OpenPeerError('ERR_NO_MEDIA_PATH', 'the connection moved to the relay tunnel'),
      )
    }
    call.onTrack = (ev) => {
      const stream = ev.streams[0]
      if (!stream || this.calls.get(call.view.callId) !== call) return
      this.opts.emit('call:track', {
        callId: call.view.callId,
        contactId: call.view.contactId,
        track: ev.track,
        stream,
      })
    }
    pc.addEventListener('track', call.onTrack)
    // A faltering path gets an ICE restart while the control channel may still carry it, rather
    // than waiting for the session to die of silence and take the call with it.
    call.onIce = () => {
      const state = pc.iceConnectionState
      if ((state === 'disconnected' || state === 'failed') && this.opts.restartIce) {
        if (call.restarting || this.calls.get(call.view.callId) !== call) return
        call.restarting = true
        this.opts
          .restartIce(call.view.contactId)
          .catch(() => {
            // not restarted: the session's keep-alives decide, and its end ends the call
          })
          .finally(() => (call.restarting = false))
      }
    }
    pc.addEventListener('iceconnectionstatechange', call.onIce)
    try {
      addLocalMedia(call, pc)
    } catch (cause) {
      this.send(call, { state: 'hangup' })
      return this.end(
        call,
        'failed',
        // node-datachannel's RTCPeerConnection, for one, has addTrack but throws when called.
        new OpenPeerError('ERR_NO_MEDIA_PATH', 'this connection cannot carry audio or video', {
          cause,
        }),
      )
    }
    call.session.renegotiate().then(
      () => {
        if (this.calls.get(call.view.callId) !== call) return
        this.update(call, { state: 'active', startedAt: this.opts.now() })
      },
      (err: unknown) => {
        if (this.calls.get(call.view.callId) !== call) return
        this.send(call, { state: 'hangup' })
        this.end(call, 'failed', asOpenPeerError(err, 'media negotiation failed'))
      },
    )
  }

  private end(call: Call, reason: CallEndReason, error?: OpenPeerError): void {
    if (this.calls.get(call.view.callId) !== call) return
    this.calls.delete(call.view.callId)
    this.clearTimer(call)
    releaseMedia(call)
    call.view = { ...call.view, state: 'ended', reason, ...(error ? { error } : {}) }
    this.opts.emit('call:state', { ...call.view })
  }

  private update(call: Call, change: Partial<CallView>): void {
    call.view = { ...call.view, ...change }
    this.opts.emit('call:state', { ...call.view })
  }

  private send(call: Call, body: Omit<Dialog, 'call'>): void {
    if (call.session.state !== 'open') return
    try {
      call.session.notify('dialog', { call: call.view.callId, ...body })
    } catch {
      // the session closed meanwhile: its end ends the call on both sides
    }
  }

  private clearTimer(call: Call): void {
    if (call.timer) clearTimeout(call.timer)
    call.timer = undefined
  }
}
