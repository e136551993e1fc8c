import { useState, type FormEvent } from 'react'
import { NAME_MAX } from '../openpeer/index.ts'
import { useDevices } from '../state/devices.ts'
import { useActions } from './useActions.ts'

/**
 * A device link opened on a browser without a profile: name this device, then compare the
 * code with the other device and approve it there.
 */
export function JoinDevice() {
  const { joinDevice, cancelJoin } = useActions()
  const join = useDevices((s) => s.join)
  const [name, setName] = useState('')
  if (!join) return null

  const submit = (e: FormEvent): void => {
    e.preventDefault()
    void joinDevice(name)
  }

  return (
    <main className="centered">
      <form className="card welcome" onSubmit={submit} aria-labelledby="join-title">
        <h1 id="join-title">Link this device</h1>
        <p>
          You opened a device link: this browser will use the profile of the device that made it.
        </p>
        <label htmlFor="device-name">Device name</label>
        <input
          id="device-name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          maxLength={NAME_MAX}
          placeholder="e.g. Laptop"
          disabled={join.status !== 'naming'}
          autoFocus
        />
        <div className="row">
          <button type="submit" className="primary" disabled={join.status !== 'naming'}>
            Link this device
          </button>
          <button type="button" onClick={cancelJoin}>
            Cancel
          </button>
        </div>
        {join.status === 'connecting' && <p className="muted">Connecting to your device…</p>}
        {join.code && (
          <div role="status" aria-label="Device code">
            <p>
              Code: <strong className="mono">{join.code}</strong>
            </p>
            <p className="muted">
              Check that your other device shows the same code, then approve this device there.
            </p>
          </div>
        )}
      </form>
    </main>
  )
}

/** On the first-run screen: a device link that came by another way (a message, a note). */
export function PasteDeviceLink() {
  const { openDeviceLink } = useActions()
  const [text, setText] = useState('')
  const submit = (e: FormEvent): void => {
    e.preventDefault()
    openDeviceLink(text)
  }
  return (
    <form className="card welcome" onSubmit={submit} aria-labelledby="paste-device-title">
      <h2 id="paste-device-title">Already use Open Peer on another device?</h2>
      <p className="small muted">
        There, open Profile → “Link a device”, then open or paste its link here.
      </p>
      <label htmlFor="paste-device-link">Paste device link</label>
      <input id="paste-device-link" value={text} onChange={(e) => setText(e.target.value)} />
      <button type="submit">Use device link</button>
    </form>
  )
}
