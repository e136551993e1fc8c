import { useIdentity } from '../state/identity.ts'
import { useUi } from '../state/ui.ts'

/**
 * Passing confirmations and the private-mode warning. A polite live region rather than
 * role="status", so the "Finder status" stays the only status on the page.
 */
export function Notice() {
  const notice = useUi((s) => s.notice)
  const persistent = useIdentity((s) => s.persistent)
  return (
    <div aria-live="polite" className="notices">
      {!persistent && (
        <p className="warning">
          This browser does not let the app store data (private mode?). Everything works, but your
          profile, contacts and messages are lost when you close this tab.
        </p>
      )}
      {notice && <p className="notice">{notice}</p>}
    </div>
  )
}
