import { checkDisplayName, createOpenPeerClient } from '../openpeer/index.ts'
import { contactsActions } from '../state/contacts.ts'
import { finderActions } from '../state/finder.ts'
import { identityActions } from '../state/identity.ts'
import { threadsActions } from '../state/threads.ts'
import { uiActions } from '../state/ui.ts'
import { attachCalls, type CallActions } from './calls.ts'
import { attachChat, type ChatActions } from './chat.ts'
import { createChatLog } from './chat-log.ts'
import { Lifetime, type GlueContext } from './context.ts'
import { attachDevice, deviceLabel, requestPersistence } from './device.ts'
import { attachDevices, type DeviceActions } from './devices.ts'
import { historyPort } from './history-port.ts'
import { attachErrors, showError } from './errors.ts'
import { attachFiles, type FileActions } from './files.ts'
import { attachIntroductions, type IntroductionActions } from './introductions.ts'
import { attachPrivacy, type PrivacyActions } from './privacy.ts'
import { attachInvites, type InviteActions } from './invites.ts'
import { attachVerification, type VerificationActions } from './verification.ts'
import type { AppPorts } from './ports.ts'
import { attachPresence } from './presence.ts'
import { attachTheme, type ThemeActions } from './theme.ts'
import { attachInstall, type InstallActions } from './install.ts'
import { attachLifecycle, type LifecycleActions } from './lifecycle.ts'
import { attachNotify, type NotifyActions } from './notify.ts'
import { attachShareTarget, type ShareTargetActions } from './share-target.ts'

/** Everything the UI can ask of the app. */
export interface AppActions
  extends
    CallActions,
    ChatActions,
    FileActions,
    InviteActions,
    PrivacyActions,
    IntroductionActions,
    VerificationActions,
    DeviceActions,
    ThemeActions,
    LifecycleActions,
    NotifyActions,
    ShareTargetActions,
    InstallActions {
  /** the first-run step: makes the keys and the profile, then connects */
  createIdentity(name: string): Promise<void>
}

export interface App {
  actions: AppActions
  /** settles once the stored profile is loaded (and, when there is one, the client started) */
  ready: Promise<void>
  /** removes every listener the app added and stops the client; safe to call more than once */
  stop(): Promise<void>
}

/**
 * The glue (ARCHITECTURE rule 8): builds the Open Peer client with the host's ports, turns its
 * events into store updates (one module per concern) and hands out the actions the UI calls.
 * Nothing else holds the client, and everything it starts ends with `stop()`.
 */
export function createApp(ports: AppPorts): App {
  const { stores, page } = ports
  const lifetime = new Lifetime()
  const client = (ports.createClient ?? createOpenPeerClient)(
    {
      keys: stores.keys,
      contacts: stores.contacts,
      outbox: stores.outbox,
      inbox: stores.inbox,
      torrents: stores.torrents,
      // A newly linked device gets the recent history along with the profile.
      history: historyPort(stores.history),
      createSocket: ports.createSocket,
      createPeer: ports.createPeer,
      fetch: ports.fetch,
      media: ports.media,
    },
    {
      // The finder serves this app, so the page's own host is the home finder of a new identity,
      // bootstrapped over the page's own scheme (an http:// LAN or lab address included).
      domain: page.location.host,
      origin: page.location.origin,
      locationLabel: deviceLabel(page.navigator.userAgent),
      // Chosen before the first connection: an address once told cannot be taken back.
      relayOnly: stores.prefs.load().hideIp,
      acceptIntroductions: stores.prefs.load().acceptIntroductions,
    },
  )
  const ctx: GlueContext = {
    client,
    stores,
    page,
    lifetime,
    log: createChatLog(stores.history),
  }
  identityActions.setPersistent(stores.persistent)
  attachErrors(ctx)
  attachPresence(ctx)
  attachDevice(ctx)
  const chat = attachChat(ctx)
  const calls = attachCalls(ctx)
  const files = attachFiles(ctx)
  const invites = attachInvites(ctx)
  const privacy = attachPrivacy(ctx)
  const introductions = attachIntroductions(ctx)
  const verification = attachVerification(ctx)
  const theme = attachTheme(ctx)
  const lifecycle = attachLifecycle(ctx)
  const notify = attachNotify(ctx, chat)
  const shareTarget = attachShareTarget(ctx, files.actions, chat)
  const install = attachInstall(ctx)
  const devices = attachDevices(ctx, async (info) => {
    // This browser just received the profile from another device of ours.
    const threads = await stores.history.all()
    if (lifetime.stopped) return
    void requestPersistence(page)
    threadsActions.setAll(threads)
    contactsActions.setAll(client.contacts())
    identityActions.setInfo(info)
    start(info.domain)
  })

  const start = (domain: string): void => {
    if (lifetime.stopped) return
    client.start()
    finderActions.set(domain, client.finderState())
    void files.loadStored()
    void invites.openFromAddressBar()
    // What the share sheet sent, or a clicked notification's conversation (src/sw.ts).
    void shareTarget.pickUp()
    notify.openFromAddressBar()
  }

  const load = async (): Promise<void> => {
    const [info, threads] = await Promise.all([client.load(), stores.history.all()])
    if (lifetime.stopped) return
    threadsActions.setAll(threads)
    contactsActions.setAll(client.contacts())
    if (!info) {
      identityActions.setStatus('new')
      // An invite opened by someone new waits (in the address bar too) until they choose a name.
      void invites.openFromAddressBar()
      devices.openFromAddressBar()
      return
    }
    identityActions.setInfo(info)
    devices.refresh()
    start(info.domain)
    devices.openFromAddressBar()
  }

  const createIdentity = async (name: string): Promise<void> => {
    uiActions.clearError()
    try {
      const clean = checkDisplayName(name)
      identityActions.setStatus('creating')
      const info = await client.createIdentity(clean)
      void requestPersistence(page)
      identityActions.setInfo(info)
      start(info.domain)
    } catch (err) {
      identityActions.setStatus('new')
      showError(err, 'creating your profile')
    }
  }

  let stopped: Promise<void> | undefined
  return {
    actions: {
      createIdentity,
      ...chat,
      ...calls,
      ...files.actions,
      ...invites.actions,
      ...privacy,
      ...introductions,
      ...verification,
      ...devices.actions,
      ...theme,
      ...lifecycle,
      enableNotifications: notify.enableNotifications,
      ...shareTarget.actions,
      ...install,
    },
    ready: load().catch((err: unknown) => showError(err, 'loading')),
    stop: () =>
      (stopped ??= (async () => {
        lifetime.stop()
        await client.stop()
      })()),
  }
}
