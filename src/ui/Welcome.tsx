import { useState, type FormEvent } from 'react'
import { NAME_MAX } from '../openpeer/index.ts'
import { useIdentity } from '../state/identity.ts'
import { useUi } from '../state/ui.ts'
import { useDevices } from '../state/devices.ts'
import { JoinDevice, PasteDeviceLink } from './JoinDevice.tsx'
import { useActions } from './useActions.ts'

/** First run: a new profile, or this browser joins one through a device link. */
export function Welcome() {
  const joining = useDevices((s) => s.join !== null)
  return joining ? <JoinDevice /> : <NewProfile />
}

/** A display name is all it takes; the keys are made in this browser. */
function NewProfile() {
  const { createIdentity } = useActions()
  const [name, setName] = useState('')
  const creating = useIdentity((s) => s.status === 'creating')
  const hasInvite = useUi((s) => s.pendingInvite !== null)

  const submit = (e: FormEvent): void => {
    e.preventDefault()
    void createIdentity(name)
  }

  return (
    <main className="centered">
      <form className="card welcome" onSubmit={submit}>
        <h1>Open Peer Web</h1>
        <p>
          Chat directly with people, browser to browser. Your keys are created here and leave this
          device only when you link another device of yours.
        </p>
        {hasInvite && (
          <p className="hint">You opened an invite link. Choose your name first to connect.</p>
        )}
        <label htmlFor="display-name">Display name</label>
        <input
          id="display-name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          maxLength={NAME_MAX}
          autoComplete="nickname"
          autoFocus
        />
        <button type="submit" className="primary" disabled={creating}>
          Continue
        </button>
        {creating && <p className="muted">Creating your keys…</p>}
      </form>
      <PasteDeviceLink />
    </main>
  )
}
