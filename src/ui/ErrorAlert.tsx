import { uiActions, useUi } from '../state/ui.ts'
import { errorText } from './errorText.ts'

/**
 * The one alert region: failures of what the person just asked for, in words. The library's
 * sentence and the code are for whoever helps them: folded away under "Details".
 */
export function ErrorAlert() {
  const error = useUi((s) => s.error)
  if (!error) return null
  return (
    <div role="alert" className="toast alert">
      <div className="toast-body">
        <p>
          <strong>Problem {error.during}.</strong> {errorText(error.code)}
        </p>
        {error.detail && (
          <details>
            <summary>Details</summary>
            <p className="detail">
              {error.detail} ({error.code})
            </p>
          </details>
        )}
      </div>
      <button type="button" onClick={uiActions.clearError}>
        Dismiss
      </button>
    </div>
  )
}
