import { useIdentity } from '../state/identity.ts'

/** Who I am: what a contact can compare (the fingerprint) and where I can be found. */
export function ProfilePanel() {
  const info = useIdentity((s) => s.info)
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
    </section>
  )
}
