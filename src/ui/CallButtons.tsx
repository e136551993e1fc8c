import { useCalls } from '../state/calls.ts'
import { useActions } from './useActions.ts'

/** "Call" and "Video call" in a conversation's header: one call at a time, connected contacts only. */
export function CallButtons({ contactId, connected }: { contactId: string; connected: boolean }) {
  const { startCall } = useActions()
  const busy = useCalls((s) => s.call !== null)
  const why = !connected ? 'They are offline' : busy ? 'A call is on already' : undefined
  return (
    <>
      <button
        type="button"
        className="head-action"
        disabled={!!why}
        title={why}
        onClick={() => void startCall(contactId, false)}
      >
        Call
      </button>
      <button
        type="button"
        className="head-action"
        disabled={!!why}
        title={why}
        onClick={() => void startCall(contactId, true)}
      >
        Video call
      </button>
    </>
  )
}
