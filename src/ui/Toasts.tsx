import { ErrorAlert } from './ErrorAlert.tsx'
import { Notice } from './Notice.tsx'

/**
 * Alerts and notices float at the top of the screen (fixed, styles.css `.toasts`): they never
 * push the conversation down, and each has its own button to dismiss it.
 */
export function Toasts() {
  return (
    <div className="toasts">
      <ErrorAlert />
      <Notice />
    </div>
  )
}
