import Peer from '@thaunknown/simple-peer/lite.js'
import {
  checkDisplayName,
  createOpenPeerClient,
  isOpenPeerError,
  parseInvite,
  type ClientPorts,
  type OpenPeerClient,
  type SocketLike,
} from './openpeer/index.ts'
import { contactsActions } from './state/contacts.ts'
import { attachFiles, filesStarted } from './glue/files.ts'
import { finderActions } from './state/finder.ts'
import { identityActions, useIdentity } from './state/identity.ts'
import { isChatId, raiseMark, type ChatMessage, type Mark } from './model/chat.ts'
import { threadsActions, unreadIds, useThreads } from './state/threads.ts'
import { uiActions, useUi, type AppError } from './state/ui.ts'
import { openAppStores, requestPersistence, type HistoryStore } from './storage/index.ts'

/*
 * THE glue (ARCHITECTURE rule 8): builds the Open Peer client with browser ports, turns its
 * events into store updates, and exports every action the UI calls. Nothing else in the app
 * holds the client.
 */

let client: OpenPeerClient | undefined
let chatHistory: HistoryStore | undefined
let booted: Promise<void> | undefined
/** receipts that overtook the recording of their own message (kept until it is recorded) */
const earlyMarks = new Map<string, Mark>()

/** Loads the profile and, when there is one, connects. Safe to call more than once. */
export function boot(): Promise<void> {
  booted ??= bootOnce().catch((err: unknown) => uiActions.showError(appError(err, 'loading')))
  return booted
}

async function bootOnce(): Promise<void> {
  const stores = await openAppStores()
  identityActions.setPersistent(stores.persistent)
  chatHistory = stores.history
  const ports: ClientPorts = {
    ...stores,
    // Browser WebSocket/RTCPeerConnection event types are richer than the ports' minimal ones.
    createSocket: (url) => new WebSocket(url) as unknown as SocketLike,
    createPeer: (opts) => new Peer(opts),
    fetch: (url, init) => fetch(url, init),
  }
  // The finder serves this app, so the page's own host is the home finder of a new identity.
  const c = createOpenPeerClient(ports, { domain: location.host, locationLabel: deviceLabel() })
  client = c
  subscribe(c)
  attachFiles({ client: c, record, appError }, stores.filesPersistent)
  listenToWindow()
  const [info, threads] = await Promise.all([c.load(), stores.history.all()])
  threadsActions.setAll(threads)
  contactsActions.setAll(c.contacts())
  if (!info) {
    identityActions.setStatus('new')
    // An invite opened by someone new waits (in the address bar too) until they choose a name.
    if (inviteInHash()) uiActions.setPendingInvite(location.href)
    return
  }
  identityActions.setInfo(info)
  startClient(c, info.domain)
}

function startClient(c: OpenPeerClient, domain: string): void {
  c.start()
  finderActions.set(domain, c.finderState())
  void filesStarted()
  void handleHash()
}

function subscribe(c: OpenPeerClient): void {
  c.on('finder:state', ({ domain, state }) => finderActions.set(domain, state))
  c.on('contact:added', contactsActions.upsert)
  c.on('contact:updated', contactsActions.upsert)
  c.on('contact:state', contactsActions.upsert)
  c.on('message:received', (m) => {
    record({ ...m, direction: 'in', state: 'delivered' })
    markSelectedRead()
  })
  c.on('message:state', ({ contactId, msgId, state }) => mark(contactId, [msgId], state))
  c.on('client:error', ({ error, during }) => console.warn(`[openpeer] ${during}:`, error))
  c.on('security:alert', ({ error, during }) => {
    console.warn(`[openpeer] security check failed while ${during}:`, error)
    // During an invite the invite's own failure says it better; a stale find secret when ringing
    // only means that contact reset their links and must ring us.
    if (useUi.getState().openingInvite || error.code === 'ERR_FIND_DENIED') return
    uiActions.notify(`A security check failed while ${during}: ${error.message}`)
  })
}

function listenToWindow(): void {
  // The browser knows before our backoff timer does that the network is back.
  window.addEventListener('online', () => client?.retryNow())
  window.addEventListener('hashchange', () => void handleHash())
  document.addEventListener('visibilitychange', markSelectedRead)
  window.addEventListener('focus', markSelectedRead)
}

function record(message: ChatMessage): void {
  const early = earlyMarks.get(message.msgId)
  earlyMarks.delete(message.msgId)
  const stored = early ? { ...message, state: early } : message
  threadsActions.add(stored)
  chatHistory?.add(stored).catch(storageFailed)
}

function mark(contactId: string, msgIds: string[], state: Mark): void {
  const known = new Set(useThreads.getState().byContact[contactId]?.map((m) => m.msgId))
  for (const id of msgIds) {
    if (!known.has(id)) earlyMarks.set(id, raiseMark(earlyMarks.get(id) ?? 'sent', state))
  }
  threadsActions.mark(contactId, msgIds, state)
  chatHistory?.mark(contactId, msgIds, state).catch(storageFailed)
}

function storageFailed(err: unknown): void {
  uiActions.showError(appError(err, 'saving the chat history'))
}

/** Read receipts go out only while a person can actually see the conversation. */
function markSelectedRead(): void {
  const contactId = useUi.getState().selected
  if (!client || !contactId || document.visibilityState !== 'visible') return
  const ids = unreadIds(contactId)
  if (!ids.length) return
  mark(contactId, ids, 'read')
  const receipts = ids.filter(isChatId)
  if (!receipts.length) return
  client
    .markRead(contactId, receipts)
    .catch((err: unknown) => console.warn('[openpeer] markRead', err))
}

function inviteInHash(): boolean {
  return location.hash.startsWith('#/i/') || location.hash === '#/i'
}

async function handleHash(): Promise<void> {
  if (!inviteInHash()) return
  const link = location.href
  if (!useIdentity.getState().info) {
    uiActions.setPendingInvite(link)
    return
  }
  // Cleared before the (slow) attempt, so a reload meanwhile does not run it twice.
  history.replaceState(history.state, '', location.pathname + location.search)
  await openInvite(link)
}

// ——— actions the UI calls ———

export async function createIdentity(name: string): Promise<void> {
  const c = client
  if (!c) return
  uiActions.clearError()
  try {
    const clean = checkDisplayName(name)
    identityActions.setStatus('creating')
    const info = await c.createIdentity(clean)
    void requestPersistence()
    identityActions.setInfo(info)
    startClient(c, info.domain)
  } catch (err) {
    identityActions.setStatus('new')
    uiActions.showError(appError(err, 'creating your profile'))
  }
}

export function makeInvite(): void {
  if (!client) return
  uiActions.setInviteLink(client.inviteLink(location.origin))
}

export async function copyInvite(): Promise<void> {
  const link = useUi.getState().inviteLink
  if (!link) return
  try {
    await navigator.clipboard.writeText(link)
    uiActions.notify('Invite link copied')
  } catch {
    uiActions.showError({ code: 'ERR_CLIPBOARD', during: 'copying the invite link' })
  }
}

export const canShare = (): boolean => typeof navigator.share === 'function'

export async function shareInvite(): Promise<void> {
  const link = useUi.getState().inviteLink
  const name = useIdentity.getState().info?.name ?? 'Someone'
  if (!link || !canShare()) return
  try {
    await navigator.share({
      title: 'Open Peer Web',
      text: `${name} invites you to chat`,
      url: link,
    })
  } catch (err) {
    // Closing the share sheet is a choice, not a failure.
    if (!(err instanceof DOMException && err.name === 'AbortError')) {
      uiActions.showError(appError(err, 'sharing the invite link'))
    }
  }
}

/** Opens an invite link (pasted, or from the address bar): connects and adds the contact. */
export async function openInvite(text: string): Promise<void> {
  const c = client
  const me = useIdentity.getState().info
  if (!c || !me) return
  const during = 'opening the invite link'
  uiActions.clearError()
  uiActions.setPendingInvite(null)
  uiActions.setOpeningInvite(true)
  try {
    if (parseInvite(text).contactId === me.contactId) {
      uiActions.showError({ code: 'ERR_OWN_INVITE', during })
      return
    }
    const view = await c.acceptInvite(text)
    contactsActions.upsert(view)
    uiActions.notify(`Connected with ${view.name}`)
  } catch (err) {
    uiActions.showError(appError(err, during))
  } finally {
    uiActions.setOpeningInvite(false)
  }
}

export function selectContact(contactId: string | null): void {
  uiActions.select(contactId)
  markSelectedRead()
}

/** Sends to the selected contact; false when it was not accepted (the text stays in the box). */
export async function sendMessage(text: string): Promise<boolean> {
  const contactId = useUi.getState().selected
  if (!client || !contactId || !text.trim()) return false
  try {
    const item = await client.sendMessage(contactId, text)
    record({ ...item, direction: 'out', state: 'sent' })
    return true
  } catch (err) {
    uiActions.showError(appError(err, 'sending the message'))
    return false
  }
}

export async function resetInvites(): Promise<void> {
  if (!client) return
  try {
    await client.resetInvites()
    if (useUi.getState().inviteLink) makeInvite()
    uiActions.notify('Invite links reset: links given out before no longer work')
  } catch (err) {
    uiActions.showError(appError(err, 'resetting invite links'))
  }
}

export const dismissError = uiActions.clearError

export {
  copyMagnet,
  downloadFile,
  previewFile,
  removeFile,
  saveFile,
  setFileSeeding,
  setSeedOnMobileData,
  shareFiles,
  streamFile,
} from './glue/files.ts'

export { NAME_MAX } from './openpeer/index.ts'

function appError(err: unknown, during: string): AppError {
  if (isOpenPeerError(err)) return { code: err.code, during, detail: err.message }
  return { code: 'ERR_INTERNAL', during, detail: err instanceof Error ? err.message : String(err) }
}

const BROWSERS: [RegExp, string][] = [
  [/Edg\//, 'Edge'],
  [/OPR\//, 'Opera'],
  [/Firefox\//, 'Firefox'],
  [/Chrome\//, 'Chrome'],
  [/Safari\//, 'Safari'],
]
// Order matters: Android reports Linux, iPadOS reports Mac OS X.
const SYSTEMS: [RegExp, string][] = [
  [/Android/, 'Android'],
  [/iPhone|iPad/, 'iOS'],
  [/Windows/, 'Windows'],
  [/Mac OS X/, 'macOS'],
  [/CrOS/, 'ChromeOS'],
  [/Linux/, 'Linux'],
]

/** "Chrome on Linux": what a contact sees for this device among their sessions. */
function deviceLabel(): string {
  const ua = navigator.userAgent
  const browser = BROWSERS.find(([re]) => re.test(ua))?.[1] ?? 'Browser'
  const system = SYSTEMS.find(([re]) => re.test(ua))?.[1] ?? 'unknown system'
  return `${browser} on ${system}`
}
