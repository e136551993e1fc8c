import {
  checkDisplayName,
  isDeviceLink,
  isOpenPeerError,
  parseDeviceLink,
  OpenPeerError,
  type DeviceLinker,
  type IdentityInfo,
} from '../openpeer/index.ts'
import { contactsActions } from '../state/contacts.ts'
import { devicesActions, useDevices } from '../state/devices.ts'
import { identityActions, useIdentity } from '../state/identity.ts'
import { threadsActions } from '../state/threads.ts'
import { uiActions } from '../state/ui.ts'
import { onClient, onPage, type GlueContext } from './context.ts'
import { copyText } from './device.ts'
import { showError } from './errors.ts'

export interface DeviceActions {
  /** "Link a device": shows a one-time device link (and its QR code) */
  linkDevice(): Promise<void>
  copyDeviceLink(): Promise<void>
  shareDeviceLink(): Promise<void>
  /** closes the device link: nobody else can use it */
  cancelDeviceLink(): Promise<void>
  /** the user compared the codes: the identity goes to that device */
  approveDevice(id: string): Promise<void>
  declineDevice(id: string): void
  /** tells one of our devices to delete its copy of the profile */
  removeDevice(locationId: string): Promise<void>
  /** on a new browser that opened a device link: names it and asks the linked device */
  joinDevice(name: string): Promise<void>
  /** gives up linking this browser (back to making a new profile) */
  cancelJoin(): void
  /** a device link pasted on the first-run screen: goes on as if opened from the address bar */
  openDeviceLink(text: string): void
}

export interface DevicesGlue {
  actions: DeviceActions
  /** Opens a device link in the address bar (`#/d/…`). Called at load; `hashchange` too. */
  openFromAddressBar(): void
  /** the profile is loaded: list its devices */
  refresh(): void
}

/**
 * Several devices, one identity (docs/devices.md): making a device link and approving who
 * opened it, opening one on a new browser, the list of our devices with online/offline, and
 * removing one. `joined` starts the app once this browser received the identity.
 */
export function attachDevices(
  ctx: GlueContext,
  joined: (info: IdentityInfo) => Promise<void>,
): DevicesGlue {
  const { client, page, stores } = ctx
  const { location, history } = page
  let linker: DeviceLinker | undefined
  let joining: AbortController | undefined

  const refresh = (): void => devicesActions.setDevices(client.devices())

  const closeLink = async (): Promise<void> => {
    const current = linker
    linker = undefined
    devicesActions.setLink(null)
    await current?.stop()
  }
  ctx.lifetime.defer(() => {
    void closeLink()
    joining?.abort()
  })

  onClient(ctx, 'device:state', ({ locationId, state }) => {
    refresh()
    devicesActions.setOnline(locationId, state === 'online')
  })
  onClient(ctx, 'message:sent', ({ contactId, msgId, body, sent }) =>
    ctx.log.record({ contactId, msgId, body, sent, direction: 'out', state: 'sent' }),
  )
  // Read on another device of ours: not unread here either.
  onClient(ctx, 'message:read', ({ contactId, msgIds }) => ctx.log.mark(contactId, msgIds, 'read'))
  onClient(ctx, 'identity:removed', ({ by }) => {
    // This browser was removed by another device of ours: its copy of the profile goes.
    void stores
      .wipe()
      .catch((err: unknown) => showError(err, 'deleting this device’s data'))
      .finally(() => {
        contactsActions.setAll([])
        threadsActions.setAll({})
        devicesActions.setDevices([])
        identityActions.clear()
        uiActions.notify(`This device was removed by ${by}: its copy of your profile is deleted`)
      })
  })

  const openFromAddressBar = (): void => {
    if (!isDeviceLink(location.hash)) return
    const link = location.href
    // Cleared at once: a reload must not open the one-time link again.
    history.replaceState(history.state, '', location.pathname + location.search)
    if (useIdentity.getState().info) {
      showError(
        new OpenPeerError(
          'ERR_CONFLICT',
          'this browser has a profile already; a device link is for a browser without one',
        ),
        'opening the device link',
      )
      return
    }
    devicesActions.setJoin({ link, status: 'naming', code: null })
  }
  onPage(ctx, page.window, 'hashchange', openFromAddressBar)

  const linkDevice = async (): Promise<void> => {
    uiActions.clearError()
    try {
      await closeLink()
      const next = await client.linkDevice({ origin: location.origin })
      linker = next
      devicesActions.setLink(next.link)
      next.on('pending', (d) => devicesActions.addPending(d))
      next.on('gone', ({ id }) => devicesActions.removePending(id))
      next.on('linked', ({ name }) => {
        uiActions.notify(`${name} is linked: it has your profile now`)
        refresh()
      })
      next.on('ended', ({ error }) => {
        if (linker !== next) return
        devicesActions.setLink(null)
        if (error?.code === 'ERR_LINK_EXPIRED') uiActions.notify('The device link expired')
      })
    } catch (err) {
      showError(err, 'making a device link')
    }
  }

  const withLink = async (fn: (link: string) => Promise<void>): Promise<void> => {
    const link = useDevices.getState().link
    if (link) await fn(link)
  }

  return {
    openFromAddressBar,
    refresh,
    actions: {
      linkDevice,
      copyDeviceLink: () =>
        withLink((link) =>
          copyText(page, link, { done: 'Device link copied', during: 'copying the device link' }),
        ),
      shareDeviceLink: () =>
        withLink(async (link) => {
          try {
            await page.navigator.share?.({ title: 'Open Peer Web: link a device', url: link })
          } catch (err) {
            if (!(err instanceof DOMException && err.name === 'AbortError'))
              showError(err, 'sharing the device link')
          }
        }),
      cancelDeviceLink: closeLink,
      async approveDevice(id) {
        devicesActions.removePending(id)
        try {
          await linker?.approve(id)
        } catch (err) {
          showError(err, 'sending your profile to the new device')
        }
      },
      declineDevice(id) {
        devicesActions.removePending(id)
        linker?.decline(id)
      },
      async removeDevice(locationId) {
        try {
          await client.removeDevice(locationId)
          refresh()
        } catch (err) {
          showError(err, 'removing the device')
        }
      },
      async joinDevice(name) {
        const join = useDevices.getState().join
        if (!join) return
        uiActions.clearError()
        const during = 'linking this device'
        joining = new AbortController()
        try {
          const clean = checkDisplayName(name)
          devicesActions.setJoin({ ...join, status: 'connecting' })
          const info = await client.joinDevice(join.link, {
            name: clean,
            signal: joining.signal,
            onCode: (code) => devicesActions.setJoin({ ...join, status: 'waiting', code }),
          })
          devicesActions.setJoin(null)
          await joined(info)
          refresh()
        } catch (err) {
          devicesActions.setJoin(null)
          if (joining.signal.aborted) return
          // "Not online" worded for a device link, not for a contact.
          if (isOpenPeerError(err, 'ERR_UNAVAILABLE') || isOpenPeerError(err, 'ERR_NOT_FOUND'))
            uiActions.showError({ code: 'ERR_DEVICE_OFFLINE', during, detail: err.message })
          else showError(err, during)
        }
      },
      cancelJoin() {
        joining?.abort()
        devicesActions.setJoin(null)
      },
      openDeviceLink(text) {
        uiActions.clearError()
        try {
          parseDeviceLink(text)
          devicesActions.setJoin({ link: text.trim(), status: 'naming', code: null })
        } catch (err) {
          showError(err, 'opening the device link')
        }
      },
    },
  }
}
