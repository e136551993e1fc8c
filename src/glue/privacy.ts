import { prefsActions } from '../state/prefs.ts'
import type { GlueContext } from './context.ts'

export interface PrivacyActions {
  /** "Hide my IP address": relay-only connections from now on, open ones moved onto a relay */
  setHideIp(on: boolean): void
}

/** The privacy choices of this device, remembered across reloads and applied to the client. */
export function attachPrivacy(ctx: GlueContext): PrivacyActions {
  const { client, stores } = ctx
  prefsActions.setHideIp(stores.prefs.load().hideIp)
  return {
    setHideIp(on) {
      prefsActions.setHideIp(on)
      stores.prefs.save({ hideIp: on })
      client.setRelayOnly(on)
      // Open sessions restart ICE under the new policy: hiding must not wait for a reconnect.
      for (const c of client.contacts()) {
        if (c.state !== 'connected') continue
        client.renegotiate(c.contactId, { iceRestart: true }).catch((err: unknown) => {
          // The restart may fail (no relay path): the session then ends and is rung again,
          // under the new policy. Nothing for the person to do.
          console.warn('[openpeer] moving a session after "Hide my IP address"', err)
        })
      }
    },
  }
}
