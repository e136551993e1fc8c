import { raiseMark, type Mark } from '../model/chat.ts'
import { threadsActions, useThreads } from '../state/threads.ts'
import type { HistoryStore } from '../storage/index.ts'
import type { ChatLog } from './context.ts'
import { showError } from './errors.ts'

export function createChatLog(history: HistoryStore): ChatLog {
  /** receipts that overtook the recording of their own message (kept until it is recorded) */
  const early = new Map<string, Mark>()
  const failed = (err: unknown): void => showError(err, 'saving the chat history')
  return {
    record(message) {
      const mark = early.get(message.msgId)
      early.delete(message.msgId)
      const stored = mark ? { ...message, state: mark } : message
      threadsActions.add(stored)
      history.add(stored).catch(failed)
    },
    mark(contactId, msgIds, state) {
      const known = new Set(useThreads.getState().byContact[contactId]?.map((m) => m.msgId))
      for (const id of msgIds) {
        if (!known.has(id)) early.set(id, raiseMark(early.get(id) ?? 'sent', state))
      }
      threadsActions.mark(contactId, msgIds, state)
      history.mark(contactId, msgIds, state).catch(failed)
    },
  }
}
