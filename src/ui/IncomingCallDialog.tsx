import { useEffect, useRef } from 'react'
import { useCalls } from '../state/calls.ts'
import { useContacts } from '../state/contacts.ts'
import { useActions } from './useActions.ts'

/** "Incoming call": a modal <dialog> while a contact rings us, with Accept and Decline. */
export function IncomingCallDialog() {
  const call = useCalls((s) => (s.call?.state === 'incoming' ? s.call : null))
  if (!call) return null
  return <Ringing key={call.callId} contactId={call.contactId} video={call.video} />
}

function Ringing({ contactId, video }: { contactId: string; video: boolean }) {
  const { acceptCall, declineCall } = useActions()
  const ref = useRef<HTMLDialogElement>(null)
  const name = useContacts((s) => s.byId[contactId]?.name ?? 'Someone')

  useEffect(() => {
    const dialog = ref.current
    if (dialog && !dialog.open) dialog.showModal()
    return () => dialog?.close()
  }, [])

  return (
    <dialog
      ref={ref}
      className="card dialog incoming-call"
      aria-label="Incoming call"
      // Escape declines: a ringing call must not stay behind a closed dialog.
      onCancel={(e) => {
        e.preventDefault()
        declineCall()
      }}
    >
      <h2>{name}</h2>
      <p>is calling you{video ? ' (video)' : ''}.</p>
      <div className="actions">
        <button type="button" className="primary" onClick={() => void acceptCall()}>
          Accept
        </button>
        <button type="button" className="danger" onClick={declineCall}>
          Decline
        </button>
      </div>
    </dialog>
  )
}
