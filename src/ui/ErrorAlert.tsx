import { uiActions, useUi } from '../state/ui.ts'
import { errorText } from './errorText.ts'

/** The one alert region: failures of what the person just asked for, in words, with detail. */
export function ErrorAlert() {
  const error = useUi((s) => s.error)
  if (!error) return null
  return (
    <div role="alert" className="alert">
      <p>
        <strong>Problem {error.during}.</strong> {errorText(error.code)}
      </p>
      {error.detail && (
        <p className="detail">
          {error.detail} ({error.code})
        </p>
      )}
      <button type="button" className="link" onClick={uiActions.clearError}>
        Dismiss
      </button>
    </div>
  )
}
