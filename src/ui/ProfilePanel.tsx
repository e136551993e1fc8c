import type { ReactNode } from 'react'
import { useIdentity } from '../state/identity.ts'
import { usePrefs, type ThemeChoice } from '../state/prefs.ts'
import { DevicesPanel } from './DevicesPanel.tsx'
import { useActions } from './useActions.ts'

/** Who I am: what a contact can compare (the fingerprint), where I can be found, and privacy. */
export function ProfilePanel() {
  const info = useIdentity((s) => s.info)
  const hideIp = usePrefs((s) => s.hideIp)
  const acceptIntroductions = usePrefs((s) => s.acceptIntroductions)
  const theme = usePrefs((s) => s.theme)
  const { setHideIp, setAcceptIntroductions, setTheme } = useActions()
  if (!info) return null
  return (
    <section aria-labelledby="profile-title" className="card profile">
      <h2 id="profile-title">Your profile</h2>
      <dl>
        <dt>Display name</dt>
        <dd>{info.name}</dd>
        <dt>Key fingerprint</dt>
        <dd className="mono">{info.fingerprint}</dd>
        <dt>Home finder</dt>
        <dd className="mono">{info.domain}</dd>
        <dt>Peer URI</dt>
        <dd className="mono uri">{info.uri}</dd>
      </dl>
      <Setting id="hide-ip-why" label="Hide my IP address" checked={hideIp} onChange={setHideIp}>
        Connects only through relay servers, so contacts never learn your IP address; a little
        slower.
      </Setting>
      <Setting
        id="introductions-why"
        label="Accept introductions"
        checked={acceptIntroductions}
        onChange={setAcceptIntroductions}
      >
        Lets your contacts introduce you to each other: each then gets your contact card.
      </Setting>
      <div className="row">
        <label htmlFor="theme">Theme</label>
        <select id="theme" value={theme} onChange={(e) => setTheme(e.target.value as ThemeChoice)}>
          <option value="system">Same as this device</option>
          <option value="light">Light</option>
          <option value="dark">Dark</option>
        </select>
      </div>
      <DevicesPanel />
    </section>
  )
}

/** A checkbox named by its label, with one sentence beside it that says what it does. */
function Setting(props: {
  id: string
  label: string
  checked: boolean
  onChange: (on: boolean) => void
  children: ReactNode
}) {
  return (
    <>
      <label className="switch">
        <input
          type="checkbox"
          checked={props.checked}
          aria-describedby={props.id}
          onChange={(e) => props.onChange(e.target.checked)}
        />
        {props.label}
      </label>
      <p id={props.id} className="small muted">
        {props.children}
      </p>
    </>
  )
}
