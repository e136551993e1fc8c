import { isChatId, type ChatMessage } from '../model/chat.ts'
import type { HistoryPort } from '../openpeer/index.ts'
import type { HistoryStore } from '../storage/index.ts'

/** How much of each conversation a newly linked device gets (the transfer has a size cap). */
export const HISTORY_PER_CONTACT = 200

/**
 * The chat history as the library's HistoryPort (docs/devices.md): the linked device exports
 * the recent part of every conversation, the new device stores it. File cards go too: their
 * files are in the transferred file records.
 */
export function historyPort(history: HistoryStore): HistoryPort {
  return {
    async export() {
      const all = await history.all()
      return Object.values(all).flatMap((list) => list.slice(-HISTORY_PER_CONTACT))
    },
    async recent(limit) {
      const all = Object.values(await history.all()).flat()
      return all
        .filter((m) => isChatId(m.msgId))
        .sort((a, b) => a.sent - b.sent)
        .slice(-limit)
        .map((m) => ({
          dir: m.direction,
          contactId: m.contactId,
          msgId: m.msgId,
          body: m.body,
          sent: m.sent,
        }))
    },
    async import(data) {
      if (!Array.isArray(data)) return
      for (const m of data as ChatMessage[]) {
        if (m && typeof m.msgId === 'string' && typeof m.contactId === 'string')
          await history.add(m)
      }
    },
  }
}
