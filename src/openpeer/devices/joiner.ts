import { raceSignal } from '../async.ts'
import { OpenPeerError, asOpenPeerError, isOpenPeerError } from '../errors.ts'
import { randomId } from '../identity/encoding.ts'
import type { DeviceLink } from '../identity/device-link.ts'
import { formatInvite } from '../identity/invite.ts'
import { unseal, type Sealed } from '../identity/seal.ts'
import type { OpenPeerClient } from '../client/client.ts'
import type { IncomingRequest } from '../wire/endpoint.ts'
import { deviceCode } from './code.ts'

export interface JoinDeps {
  /** a started throwaway client with a fresh identity: the newcomer's face to the link */
  client: OpenPeerClient
  /** the throwaway's private box key: the bundle is sealed to it */
  boxKey: CryptoKey
  link: DeviceLink
  /** this device's name, shown on the linked device beside "Approve" */
  name: string
  onCode?: ((code: string) => void) | undefined
  /** stores the unsealed bundle as this device's identity (throws rather than overwrite) */
  adopt: (bundle: unknown) => Promise<void>
  signal?: AbortSignal | undefined
  now: () => number
}

/**
 * The new device's side of a device link (docs/devices.md): ring the link's throwaway identity
 * like an invite, say our name, show the short code, then wait for the user on the linked
 * device: the sealed identity (stored through `adopt`), or a decline. Resolves once stored.
 */
export async function joinDevice(deps: JoinDeps): Promise<void> {
  const { client, link } = deps
  const signal = deps.signal ?? new AbortController().signal
  const done = new Promise<void>((resolve, reject) => {
    const parts: string[] = []
    let total: number | undefined
    client.deviceHandler = {
      request: async (session, m: IncomingRequest) => {
        if (m.type !== 'device-transfer' || session.remoteContactId !== link.contactId)
          throw new OpenPeerError('ERR_NOT_FOUND', `${m.type} is not served while joining`)
        // The linked device sends the parts one by one, each after the last was answered.
        if (m.part !== parts.length || (total !== undefined && m.parts !== total))
          throw new OpenPeerError('ERR_BAD_MESSAGE', 'device transfer parts out of order')
        total = m.parts
        parts[m.part] = m.data
        if (m.part < m.parts - 1) return {}
        try {
          const sealed = JSON.parse(parts.join('')) as Sealed
          await deps.adopt(await unseal(deps.boxKey, sealed, 'device'))
          // Done only after this answer went out: closing first would leave the linked device
          // unsure whether the identity arrived.
          setTimeout(resolve, 0)
          return {}
        } catch (err) {
          const error = asOpenPeerError(err, 'the transferred identity could not be stored')
          reject(error)
          throw error
        }
      },
      notify: (session, m) => {
        if (m.type === 'device-decline' && session.remoteContactId === link.contactId)
          reject(new OpenPeerError('ERR_LINK_DECLINED', 'the linked device declined this device'))
      },
    }
  })
  // A rejection nobody awaits yet (a decline before the hello's answer) is not unhandled.
  done.catch(() => undefined)
  try {
    await client.acceptInvite(formatInvite('', link), { signal })
  } catch (err) {
    if (isOpenPeerError(err, 'ERR_NOT_FOUND') || isOpenPeerError(err, 'ERR_UNAVAILABLE'))
      throw new OpenPeerError(
        'ERR_UNAVAILABLE',
        'nobody answers this device link: it was used or expired, or its device went offline',
        { cause: err },
      )
    throw err
  }
  const session = client.sessionsWith(link.contactId)[0]
  if (!session) throw new OpenPeerError('ERR_SESSION_CLOSED', 'the link session closed at once')
  const nonce = randomId()
  const answer = await session.request('device-hello', { name: deps.name, nonce }, { signal })
  const me = client.identity()?.contactId ?? ''
  deps.onCode?.(await deviceCode(link.contactId, me, nonce, answer.nonce))
  await raceSignal<void>(signal, (resolve, reject) => {
    done.then(resolve, reject)
    const off = session.on('closed', () =>
      // The transfer's last answer and the close can cross: give a stored identity its turn.
      setTimeout(
        () =>
          reject(
            // Nobody approved in time: the linked device ended the link at its expiry.
            deps.now() > link.expires
              ? new OpenPeerError('ERR_LINK_EXPIRED', 'the device link expired before approval')
              : new OpenPeerError('ERR_SESSION_CLOSED', 'the linked device went away'),
          ),
        50,
      ),
    )
    return off
  })
}
