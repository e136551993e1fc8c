import { create } from 'zustand'
import { withMark, withMessage, type ChatMessage, type Mark } from '../model/chat.ts'

interface ThreadsState {
  /** messages by contact id, in sending order */
  byContact: Record<string, ChatMessage[]>
}

const EMPTY: ChatMessage[] = []

export const useThreads = create<ThreadsState>()(() => ({ byContact: {} }))

export const threadsActions = {
  setAll: (byContact: Record<string, ChatMessage[]>): void => useThreads.setState({ byContact }),
  add(message: ChatMessage): void {
    useThreads.setState((s) => ({
      byContact: {
        ...s.byContact,
        [message.contactId]: withMessage(s.byContact[message.contactId] ?? EMPTY, message),
      },
    }))
  },
  mark(contactId: string, msgIds: string[], mark: Mark): void {
    useThreads.setState((s) => {
      const list = s.byContact[contactId]
      if (!list) return s
      const next = withMark(list, new Set(msgIds), mark)
      return next === list ? s : { byContact: { ...s.byContact, [contactId]: next } }
    })
  },
}

/** A stable empty array keeps selectors from re-rendering on every store change. */
export const threadOf =
  (contactId: string | null) =>
  (s: ThreadsState): ChatMessage[] =>
    (contactId && s.byContact[contactId]) || EMPTY

export const unreadCount =
  (contactId: string) =>
  (s: ThreadsState): number =>
    (s.byContact[contactId] ?? EMPTY).filter((m) => m.direction === 'in' && m.state !== 'read')
      .length

/** Incoming messages and file cards not yet marked read. */
export function unreadIds(contactId: string): string[] {
  const list = useThreads.getState().byContact[contactId] ?? EMPTY
  return list.filter((m) => m.direction === 'in' && m.state !== 'read').map((m) => m.msgId)
}
