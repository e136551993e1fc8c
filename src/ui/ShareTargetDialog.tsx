import { useEffect, useRef } from 'react'
import { useShallow } from 'zustand/react/shallow'
import { useContacts } from '../state/contacts.ts'
import { useMobile } from '../state/mobile.ts'
import { useActions } from './useActions.ts'

/**
 * What the phone's share sheet sent in (src/glue/share-target.ts): "Share with…" lists the
 * contacts; choosing one sends the files there and puts the words into its composer.
 */
export function ShareTargetDialog() {
  const share = useMobile((s) => s.share)
  if (!share) return null
  return <ShareDialog key={share.id} files={share.files.map((f) => f.name)} text={share.text} />
}

function ShareDialog({ files, text }: { files: string[]; text: string }) {
  const { shareIncoming, cancelIncoming } = useActions()
  const ref = useRef<HTMLDialogElement>(null)
  const contacts = useContacts(
    useShallow((s) => s.order.map((id) => s.byId[id]).filter((c) => !!c)),
  )

  useEffect(() => {
    const dialog = ref.current
    if (dialog && !dialog.open) dialog.showModal()
    return () => dialog?.close()
  }, [])

  const what = files.length ? files.join(', ') : text
  return (
    <dialog
      ref={ref}
      className="card dialog"
      aria-labelledby="share-in-title"
      onCancel={() => cancelIncoming()}
    >
      <h2 id="share-in-title">Share with…</h2>
      <p className="small muted share-what">{what}</p>
      {contacts.length === 0 ? (
        <p className="muted">Invite someone first: then you can share with them.</p>
      ) : (
        <ul className="choices" aria-label="Share with">
          {contacts.map((c) => (
            <li key={c.contactId}>
              <button type="button" onClick={() => void shareIncoming(c.contactId)}>
                {c.name}
              </button>
            </li>
          ))}
        </ul>
      )}
      <button type="button" className="link" onClick={() => cancelIncoming()}>
        Cancel
      </button>
    </dialog>
  )
}
