import type { CallView } from '../openpeer/index.ts'
import { callsActions, useCalls } from '../state/calls.ts'
import { uiActions } from '../state/ui.ts'
import { onClient, type GlueContext } from './context.ts'
import { showError } from './errors.ts'

export interface CallActions {
  /** "Call" / "Video call": asks for the devices, then rings the contact */
  startCall(contactId: string, video: boolean): Promise<void>
  /** "Accept" on the incoming call */
  acceptCall(): Promise<void>
  /** "Decline" on the incoming call */
  declineCall(): void
  /** "Hang up": ends the call (a ringing one too) on both sides */
  hangUp(): void
  setMuted(on: boolean): void
  setCameraOff(on: boolean): void
}

/**
 * Calls: the call store from the client's call events, the notice saying how a call ended,
 * and a system notification for a call that rings while the tab is hidden.
 */
export function attachCalls(ctx: GlueContext): CallActions {
  const { client, page } = ctx
  const nameOf = (contactId: string): string =>
    client.contacts().find((c) => c.contactId === contactId)?.name ?? 'Your contact'
  let ringing: { callId: string; close(): void } | undefined
  const stopRinging = (): void => {
    ringing?.close()
    ringing = undefined
  }
  ctx.lifetime.defer(stopRinging)

  onClient(ctx, 'call:incoming', (call) => {
    // Only when it would go unseen, and only where the person allowed notifications.
    const notifications = page.notifications
    if (page.document.visibilityState !== 'hidden' || notifications?.permission !== 'granted') {
      return
    }
    stopRinging()
    const what = call.video ? 'video call' : 'call'
    const shown = notifications.show('Incoming call', {
      body: `${nameOf(call.contactId)} is calling you (${what}).`,
      tag: call.callId,
      // Through the service worker: a click opens this conversation, where the call rings.
      contactId: call.contactId,
    })
    ringing = { callId: call.callId, close: () => shown.close() }
  })
  onClient(ctx, 'call:state', (call) => {
    if (ringing?.callId === call.callId && call.state !== 'incoming') stopRinging()
    const local = client.calls.localStream(call.callId) as MediaStream | undefined
    callsActions.set(call, local ?? null)
    if (call.state === 'ended') {
      const notice = endNotice(call, nameOf(call.contactId))
      if (notice) uiActions.notify(notice)
    }
  })
  onClient(ctx, 'call:track', ({ callId, stream }) =>
    callsActions.setRemote(callId, stream as unknown as MediaStream),
  )

  const current = (): CallView | null => useCalls.getState().call
  return {
    async startCall(contactId, video) {
      uiActions.clearError()
      // Asked on a click, so the browser may show its prompt: calls ring through it later.
      if (page.notifications?.permission === 'default') {
        page.notifications.requestPermission().catch(() => {})
      }
      try {
        await client.calls.start(contactId, { video })
      } catch (err) {
        showError(err, video ? 'starting a video call' : 'starting a call')
      }
    },
    async acceptCall() {
      const call = current()
      if (!call) return
      try {
        await client.calls.accept(call.callId)
      } catch (err) {
        showError(err, 'answering the call')
      }
    },
    declineCall() {
      const call = current()
      if (call) client.calls.decline(call.callId)
    },
    hangUp() {
      const call = current()
      if (call) client.calls.hangUp(call.callId)
    },
    setMuted(on) {
      const call = current()
      if (call) client.calls.mute(call.callId, on)
    },
    setCameraOff(on) {
      const call = current()
      if (call) client.calls.cameraOff(call.callId, on)
    },
  }
}

/** How a call ended, in words; nothing when we ended it ourselves. */
export function endNotice(call: CallView, name: string): string | null {
  switch (call.reason) {
    case 'busy':
      return `${name} is busy in another call.`
    case 'declined':
      return call.direction === 'outgoing' ? `${name} declined the call.` : null
    case 'timeout':
      return `${name} did not answer.`
    case 'missed':
      return `Missed call from ${name}.`
    case 'remote-hangup':
      return `${name} hung up.`
    case 'failed':
      return `The call with ${name} ended: ${call.error?.message ?? 'the connection failed'}.`
    default:
      return null
  }
}
