import { useState } from 'react'
import { useIdentity } from '../state/identity.ts'
import { uiActions, useUi } from '../state/ui.ts'

/**
 * Passing confirmations and the private-mode warning. A polite live region rather than
 * role="status", so the "Finder status" stays the only status on the page. The region is always
 * there (a live region must exist before its words arrive); each toast can be dismissed.
 */
export function Notice() {
  const notice = useUi((s) => s.notice)
  const persistent = useIdentity((s) => s.persistent)
  const [warned, setWarned] = useState(false)
  return (
    <div aria-live="polite" className="notices">
      {!persistent && !warned && (
        <div className="toast warning">
          <p className="toast-body">
            This browser does not let the app store data (private mode?). Everything works, but your
            profile, contacts and messages are lost when you close this tab.
          </p>
          <button type="button" onClick={() => setWarned(true)}>
            Close
          </button>
        </div>
      )}
      {notice && (
        <div className="toast notice">
          <p className="toast-body">{notice}</p>
          <button type="button" onClick={uiActions.clearNotice}>
            Close
          </button>
        </div>
      )}
    </div>
  )
}
