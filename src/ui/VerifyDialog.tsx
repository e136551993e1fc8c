import { useEffect, useRef, useState } from 'react'
import { useContacts } from '../state/contacts.ts'
import { useActions } from './useActions.ts'
import { useQrCode } from './useQrCode.ts'

/**
 * "Verify": the safety number this contact and we share (docs/safety-numbers.md), as digits
 * and a QR code, and "Mark as verified" once they match. A modal <dialog> like IntroduceDialog.
 */
export function VerifyDialog({ contactId, onClose }: { contactId: string; onClose: () => void }) {
  const { safetyNumber, setVerified } = useActions()
  const ref = useRef<HTMLDialogElement>(null)
  const name = useContacts((s) => s.byId[contactId]?.name ?? '')
  const verified = useContacts((s) => s.byId[contactId]?.verified ?? false)
  // undefined while it is worked out (a deliberately slow derivation), null when it failed
  const [number, setNumber] = useState<{ of: string; value: string | null } | undefined>()
  const shown = number?.of === contactId ? number.value : undefined
  // Digits only: the densest QR mode, and what a phone's scanner shows to compare.
  const qr = useQrCode(shown ? shown.replace(/ /g, '') : null)

  useEffect(() => {
    const dialog = ref.current
    if (dialog && !dialog.open) dialog.showModal()
    return () => dialog?.close()
  }, [])

  useEffect(() => {
    let live = true
    void safetyNumber(contactId).then((value) => live && setNumber({ of: contactId, value }))
    return () => {
      live = false
    }
  }, [contactId, safetyNumber])

  const mark = async (on: boolean): Promise<void> => {
    if (await setVerified(contactId, on)) ref.current?.close()
  }

  return (
    <dialog ref={ref} className="card dialog" aria-labelledby="verify-title" onClose={onClose}>
      <h2 id="verify-title">Verify {name}</h2>
      <p className="small muted">
        Compare this number with the one {name} sees: side by side, or read aloud on a call you
        trust. If they match, nobody between you — not a server, not whoever introduced you —
        swapped your keys.
      </p>
      <h3 id="safety-number-label" className="safety-number-label">
        Safety number
      </h3>
      {shown === undefined ? (
        <p className="muted">Working it out…</p>
      ) : shown === null ? (
        <p className="muted">There is no safety number to show.</p>
      ) : (
        <div role="group" aria-labelledby="safety-number-label" className="safety-number">
          {shown}
        </div>
      )}
      {qr && <img className="qr" src={qr} alt="Safety number QR code" width={200} height={200} />}
      {verified ? (
        <>
          <p>You have marked {name} as verified.</p>
          <button type="button" onClick={() => void mark(false)}>
            Mark as not verified
          </button>
        </>
      ) : (
        <button type="button" className="primary" disabled={!shown} onClick={() => void mark(true)}>
          Mark as verified
        </button>
      )}
      <button type="button" className="link" onClick={() => ref.current?.close()}>
        Close
      </button>
    </dialog>
  )
}
