import { useDevices } from '../state/devices.ts'
import { useActions } from './useActions.ts'
import { useQrCode } from './useQrCode.ts'

/**
 * "Devices": linking another browser to this profile (a one-time link, its QR code, and the
 * newcomers who opened it with the code to compare), and the devices linked so far.
 */
export function DevicesPanel() {
  const actions = useActions()
  const link = useDevices((s) => s.link)
  const pending = useDevices((s) => s.pending)
  const devices = useDevices((s) => s.devices)
  const qr = useQrCode(link)

  return (
    <section aria-labelledby="devices-title" className="devices">
      <h3 id="devices-title">Devices</h3>
      <p className="small muted">
        Use this profile on another browser too: messages reach all of them.
      </p>
      <div className="row">
        <button type="button" onClick={() => void actions.linkDevice()}>
          Link a device
        </button>
        {link && (
          <button type="button" onClick={() => void actions.cancelDeviceLink()}>
            Close device link
          </button>
        )}
      </div>
      {link && (
        <>
          <label htmlFor="device-link">Device link</label>
          <input
            id="device-link"
            className="mono"
            value={link}
            readOnly
            onFocus={(e) => e.currentTarget.select()}
          />
          <div className="row">
            <button
              type="button"
              aria-label="Copy device link"
              onClick={() => void actions.copyDeviceLink()}
            >
              Copy
            </button>
            {actions.canShare() && (
              <button
                type="button"
                aria-label="Share device link"
                onClick={() => void actions.shareDeviceLink()}
              >
                Share
              </button>
            )}
          </div>
          <p className="small muted">
            Open it on your other browser within 10 minutes, once. Approve the device only if both
            screens show the same code: it gets your keys, contacts and recent messages.
          </p>
          {qr && <img className="qr" src={qr} alt="Device link QR code" width={240} height={240} />}
        </>
      )}
      <ul aria-label="Devices" className="device-list">
        {pending.map((d) => (
          <li key={d.id}>
            <span>
              {d.name} wants to join — code <span className="mono">{d.code}</span>
            </span>
            <span className="row">
              <button
                type="button"
                className="primary"
                onClick={() => void actions.approveDevice(d.id)}
              >
                Approve {d.name}
              </button>
              <button type="button" onClick={() => actions.declineDevice(d.id)}>
                Decline {d.name}
              </button>
            </span>
          </li>
        ))}
        {devices.map((d) => (
          <li key={d.locationId}>
            <span>
              {d.label} <span className="muted">{d.online ? 'online' : 'offline'}</span>
            </span>
            <button
              type="button"
              aria-label={`Remove ${d.label}`}
              onClick={() => void actions.removeDevice(d.locationId)}
            >
              Remove
            </button>
          </li>
        ))}
      </ul>
      {devices.length > 0 && (
        <p className="small muted">
          Removing asks that device to delete its copy of your profile. A lost or stolen device
          cannot be made to: it keeps your keys.
        </p>
      )}
    </section>
  )
}
