import { entries, update, type UseStore } from 'idb-keyval'
import { withMark, withMessage, type ChatMessage, type Mark } from '../model/chat.ts'
import { guard } from './db.ts'

/** Chat history, one record per contact (the app always shows a whole conversation). */
export interface HistoryStore {
  all(): Promise<Record<string, ChatMessage[]>>
  add(message: ChatMessage): Promise<void>
  mark(contactId: string, msgIds: string[], mark: Mark): Promise<void>
}

export function idbHistoryStore(store: UseStore): HistoryStore {
  // `update` reads and writes in one transaction, and IndexedDB runs overlapping transactions in
  // the order they were made: a "delivered" written right after its message cannot overtake it.
  const change = (contactId: string, fn: (list: ChatMessage[]) => ChatMessage[]): Promise<void> =>
    guard('save the chat history', () =>
      update<ChatMessage[]>(contactId, (list) => fn(list ?? []), store),
    )
  return {
    all: () =>
      guard('read the chat history', async () =>
        Object.fromEntries(
          (await entries<string, ChatMessage[]>(store)).map(([id, list]) => [id, list]),
        ),
      ),
    add: (message) => change(message.contactId, (list) => withMessage(list, message)),
    mark: (contactId, msgIds, mark) =>
      change(contactId, (list) => withMark(list, new Set(msgIds), mark)),
  }
}

/** For browsers without IndexedDB (some private modes): the history lasts as long as the tab. */
export function memoryHistoryStore(): HistoryStore {
  const threads = new Map<string, ChatMessage[]>()
  return {
    all: async () => Object.fromEntries(threads),
    add: async (message) => {
      threads.set(message.contactId, withMessage(threads.get(message.contactId) ?? [], message))
    },
    mark: async (contactId, msgIds, mark) => {
      threads.set(contactId, withMark(threads.get(contactId) ?? [], new Set(msgIds), mark))
    },
  }
}
