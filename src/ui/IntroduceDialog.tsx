import { useEffect, useRef } from 'react'
import { useShallow } from 'zustand/react/shallow'
import { useContacts } from '../state/contacts.ts'
import { useActions } from './useActions.ts'

/**
 * "Introduce": the other contacts as buttons named by their names; choosing one introduces the
 * two to each other. A modal <dialog>: focus goes in, Escape closes it, focus comes back.
 */
export function IntroduceDialog({
  contactId,
  onClose,
}: {
  contactId: string
  onClose: () => void
}) {
  const { introduce } = useActions()
  const ref = useRef<HTMLDialogElement>(null)
  const name = useContacts((s) => s.byId[contactId]?.name ?? '')
  const others = useContacts(
    useShallow((s) =>
      s.order
        .filter((id) => id !== contactId)
        .map((id) => s.byId[id])
        .filter((c) => !!c),
    ),
  )

  useEffect(() => {
    const dialog = ref.current
    if (dialog && !dialog.open) dialog.showModal()
    return () => dialog?.close()
  }, [])

  const choose = async (other: string): Promise<void> => {
    if (await introduce(contactId, other)) ref.current?.close()
  }

  return (
    <dialog ref={ref} className="card dialog" aria-labelledby="introduce-title" onClose={onClose}>
      <h2 id="introduce-title">Introduce {name} to…</h2>
      <p className="small muted">
        Both get each other&apos;s contact card and a note that you introduced them; then they can
        reach each other, through you when no server can.
      </p>
      {others.length === 0 ? (
        <p className="muted">You have no other contact to introduce {name} to.</p>
      ) : (
        <ul className="choices">
          {others.map((c) => (
            <li key={c.contactId}>
              <button type="button" onClick={() => void choose(c.contactId)}>
                {c.name}
              </button>
            </li>
          ))}
        </ul>
      )}
      <button type="button" className="link" onClick={() => ref.current?.close()}>
        Cancel
      </button>
    </dialog>
  )
}
