import { useContacts } from '../state/contacts.ts'
import { useMobile } from '../state/mobile.ts'
import { useActions } from './useActions.ts'

/**
 * The app on this device: install it, be told of new messages, keep the screen on during
 * transfers. Notification permission is asked only from the button, once someone can write.
 */
export function AppPanel() {
  const { installApp, enableNotifications, setKeepScreenOn } = useActions()
  const installable = useMobile((s) => s.installable)
  const iosHint = useMobile((s) => s.iosInstallHint)
  const permission = useMobile((s) => s.notifyPermission)
  const keepAwake = useMobile((s) => s.keepAwake)
  // After the first contact connects: then a notification has something to say.
  const someoneConnected = useContacts((s) =>
    Object.values(s.byId).some((c) => c.state === 'connected'),
  )

  return (
    <section aria-labelledby="app-title" className="card app-panel">
      <h2 id="app-title">This device</h2>
      {installable && (
        <button type="button" onClick={() => void installApp()}>
          Install app
        </button>
      )}
      {iosHint && <p className="small muted">To install: Share, then Add to Home Screen.</p>}
      {permission === 'default' && someoneConnected && (
        <button type="button" onClick={() => void enableNotifications()}>
          Notify me of new messages
        </button>
      )}
      {permission === 'denied' && (
        <p className="small muted">Notifications are blocked in this browser’s site settings.</p>
      )}
      <label className="switch">
        <input
          type="checkbox"
          role="switch"
          checked={keepAwake}
          onChange={(e) => setKeepScreenOn(e.target.checked)}
        />
        Keep the screen on during transfers
      </label>
    </section>
  )
}
