import { isChatId } from '../model/chat.ts'
import { unreadIds, useThreads } from '../state/threads.ts'
import { uiActions, useUi } from '../state/ui.ts'
import { onClient, onPage, type GlueContext } from './context.ts'
import { showError } from './errors.ts'

export interface ChatActions {
  /** opens a conversation (null: back to the list) and marks what it shows as read */
  selectContact(contactId: string | null): void
  /** sends to the selected contact; false when it was not accepted (the text stays in the box) */
  sendMessage(text: string): Promise<boolean>
}

/** Messages and receipts: client events into the conversations, read receipts out. */
export function attachChat(ctx: GlueContext): ChatActions {
  const { client, page, log } = ctx

  /** Read receipts go out only while a person can actually see the conversation. */
  const markSelectedRead = (): void => {
    const contactId = useUi.getState().selected
    if (!contactId || page.document.visibilityState !== 'visible') return
    const ids = unreadIds(contactId)
    if (!ids.length) return
    log.mark(contactId, ids, 'read')
    const receipts = ids.filter(isChatId)
    if (!receipts.length) return
    client
      .markRead(contactId, receipts)
      .catch((err: unknown) => console.warn('[openpeer] markRead', err))
  }

  onClient(ctx, 'message:received', (m) =>
    log.record({ ...m, direction: 'in', state: 'delivered' }),
  )
  // Whatever lands in the open conversation is read at once: messages, and file cards too (they
  // arrive through the files glue). Marking changes the thread again, but leaves nothing unread.
  ctx.lifetime.defer(
    useThreads.subscribe((s, prev) => {
      const contactId = useUi.getState().selected
      if (contactId && s.byContact[contactId] !== prev.byContact[contactId]) markSelectedRead()
    }),
  )
  onClient(ctx, 'message:state', ({ contactId, msgId, state }) =>
    log.mark(contactId, [msgId], state),
  )
  onPage(ctx, page.document, 'visibilitychange', markSelectedRead)
  onPage(ctx, page.window, 'focus', markSelectedRead)

  return {
    selectContact(contactId) {
      uiActions.select(contactId)
      markSelectedRead()
    },
    async sendMessage(text) {
      const contactId = useUi.getState().selected
      if (!contactId || !text.trim()) return false
      try {
        const item = await client.sendMessage(contactId, text)
        log.record({ ...item, direction: 'out', state: 'sent' })
        return true
      } catch (err) {
        showError(err, 'sending the message')
        return false
      }
    },
  }
}
