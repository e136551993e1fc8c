import { useUi } from '../state/ui.ts'
import { useActions } from './useActions.ts'
import { useQrCode } from './useQrCode.ts'

/** Making an invite: the link as text, copy / share, and a QR code for a phone across the room. */
export function InvitePanel() {
  const { canShare, copyInvite, makeInvite, resetInvites, shareInvite } = useActions()
  const link = useUi((s) => s.inviteLink)
  const qr = useQrCode(link)

  return (
    <section aria-labelledby="invite-title" className="card invite">
      <h2 id="invite-title">Invite someone</h2>
      <p className="muted">Anyone with the link can reach you. Reset it to stop old links.</p>
      <div className="row">
        <button type="button" className="primary" onClick={makeInvite}>
          Invite
        </button>
        <button type="button" onClick={() => void resetInvites()}>
          Reset invite links
        </button>
      </div>
      {link && (
        <>
          <label htmlFor="invite-link">Invite link</label>
          <input
            id="invite-link"
            className="mono"
            value={link}
            readOnly
            onFocus={(e) => e.currentTarget.select()}
          />
          <div className="row">
            <button type="button" aria-label="Copy invite link" onClick={() => void copyInvite()}>
              Copy
            </button>
            {canShare() && (
              <button
                type="button"
                aria-label="Share invite link"
                onClick={() => void shareInvite()}
              >
                Share
              </button>
            )}
          </div>
          {qr && <img className="qr" src={qr} alt="Invite QR code" width={240} height={240} />}
        </>
      )}
    </section>
  )
}
