import { mobileActions } from '../state/mobile.ts'
import { useThreads } from '../state/threads.ts'
import type { ChatActions } from './chat.ts'
import { onClient, type GlueContext } from './context.ts'

export interface NotifyActions {
  /** "Notify me of new messages": asks the browser's permission, on the person's click only */
  enableNotifications(): Promise<void>
}

const PREVIEW = 120

/** Unread incoming messages and file cards over every conversation. */
export function totalUnread(byContact: Record<string, { direction: string; state: string }[]>) {
  let n = 0
  for (const list of Object.values(byContact)) {
    for (const m of list) if (m.direction === 'in' && m.state !== 'read') n++
  }
  return n
}

/**
 * Being told while the app is hidden: a system notification per new message (one per
 * conversation, the newest replacing the older: same tag), shown through the service worker so
 * a click opens that conversation (src/sw.ts posts `open-conversation`, or opens `/?open=<id>`);
 * the unread count on the installed app's icon. Permission is asked only when the person
 * presses "Notify me of new messages" (NotifyPrompt), never on load.
 */
export function attachNotify(
  ctx: GlueContext,
  chat: Pick<ChatActions, 'selectContact'>,
): NotifyActions & { openFromAddressBar(): void } {
  const { client, page } = ctx
  const notifications = page.notifications
  mobileActions.setNotifyPermission(notifications ? notifications.permission : 'unsupported')

  onClient(ctx, 'message:received', (m) => {
    if (page.document.visibilityState !== 'hidden' || notifications?.permission !== 'granted') {
      return
    }
    const name = client.contacts().find((c) => c.contactId === m.contactId)?.name ?? 'A contact'
    const body = m.body.length > PREVIEW ? `${m.body.slice(0, PREVIEW - 1)}…` : m.body
    notifications.show(name, { body, tag: `message-${m.contactId}`, contactId: m.contactId })
  })

  // The badge follows the unread count (and clears once everything is read).
  const badge = (count: number): void => {
    const nav = page.navigator
    const done = count > 0 ? nav.setAppBadge?.(count) : nav.clearAppBadge?.()
    done?.catch(() => undefined)
  }
  let last = -1
  const onThreads = (): void => {
    const n = totalUnread(useThreads.getState().byContact)
    if (n !== last) badge((last = n))
  }
  onThreads()
  ctx.lifetime.defer(useThreads.subscribe(onThreads))

  // A clicked notification: the worker asks the open page to show that conversation.
  const worker = page.navigator.serviceWorker
  const onWorkerMessage = (e: Event): void => {
    const data = (e as MessageEvent).data as { type?: string; contactId?: unknown } | null
    if (data?.type === 'open-conversation' && typeof data.contactId === 'string') {
      chat.selectContact(data.contactId)
    }
  }
  if (worker?.addEventListener && worker.removeEventListener) {
    worker.addEventListener('message', onWorkerMessage)
    ctx.lifetime.defer(() => worker.removeEventListener?.('message', onWorkerMessage))
  }

  return {
    async enableNotifications() {
      if (!notifications) return
      try {
        mobileActions.setNotifyPermission(await notifications.requestPermission())
      } catch {
        mobileActions.setNotifyPermission(notifications.permission)
      }
    },
    /** `/?open=<contactId>`: the worker opened a new window for a clicked notification */
    openFromAddressBar() {
      const params = new URLSearchParams(page.location.search)
      const id = params.get('open')
      if (!id) return
      params.delete('open')
      const rest = params.size ? `?${params}` : ''
      page.history.replaceState(
        page.history.state,
        '',
        page.location.pathname + rest + page.location.hash,
      )
      if (client.contacts().some((c) => c.contactId === id)) chat.selectContact(id)
    },
  }
}
