import { create } from 'zustand'
import type { CallView } from '../openpeer/index.ts'

interface CallsState {
  /** the call ringing or on (one at a time); null when there is none */
  call: CallView | null
  /** our camera and microphone while we are in it ("Local video") */
  local: MediaStream | null
  /** what the other side sends ("Remote video", which plays their voice too) */
  remote: MediaStream | null
}

export const useCalls = create<CallsState>()(() => ({ call: null, local: null, remote: null }))

export const callsActions = {
  /** a change of the call; an ended call leaves the store (its notice says how it ended) */
  set(call: CallView, local: MediaStream | null): void {
    if (call.state === 'ended') return useCalls.setState({ call: null, local: null, remote: null })
    useCalls.setState((s) => ({
      call,
      local: local ?? s.local,
      // another call's stream is not this one's
      remote: s.call?.callId === call.callId ? s.remote : null,
    }))
  },
  setRemote(callId: string, remote: MediaStream): void {
    useCalls.setState((s) => (s.call?.callId === callId ? { remote } : {}))
  },
}
