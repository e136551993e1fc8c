import { useIdentity } from '../state/identity.ts'
import { usePrefs } from '../state/prefs.ts'
import { useActions } from './useActions.ts'

/** Who I am: what a contact can compare (the fingerprint), where I can be found, and privacy. */
export function ProfilePanel() {
  const info = useIdentity((s) => s.info)
  const hideIp = usePrefs((s) => s.hideIp)
  const acceptIntroductions = usePrefs((s) => s.acceptIntroductions)
  const { setHideIp, setAcceptIntroductions } = useActions()
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
      <label className="switch">
        <input
          type="checkbox"
          checked={hideIp}
          aria-describedby="hide-ip-why"
          onChange={(e) => setHideIp(e.target.checked)}
        />
        Hide my IP address
      </label>
      <p id="hide-ip-why" className="small muted">
        Connects only through relay servers, so contacts never learn your IP address; a little
        slower.
      </p>
      <label className="switch">
        <input
          type="checkbox"
          checked={acceptIntroductions}
          aria-describedby="introductions-why"
          onChange={(e) => setAcceptIntroductions(e.target.checked)}
        />
        Accept introductions
      </label>
      <p id="introductions-why" className="small muted">
        Lets your contacts introduce you to each other: each then gets your contact card.
      </p>
    </section>
  )
}
