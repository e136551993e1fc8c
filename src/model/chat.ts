import type { TorrentInfo } from '../openpeer/index.ts'

/*
 * The chat model the app keeps: what the threads store shows and the history repository
 * saves. Plain data and pure functions, so state/ and storage/ share it without importing
 * each other.
 */

/** One chat message as the app keeps it (history survives reloads; the outbox does not show). */
export interface ChatMessage {
  msgId: string
  contactId: string
  direction: 'in' | 'out'
  body: string
  /** the sender's clock, ms */
  sent: number
  /** outgoing: how far it got; incoming: 'read' once shown to the person, else 'delivered' */
  state: Mark
  /** our clock when an incoming message arrived */
  received?: number
  /**
   * a file card (shared by us, or offered by them): `body` is the file name. Cards are not
   * chat messages on the wire, so they get no receipts; their id is `file:<infohash>`.
   */
  file?: TorrentInfo
}

export const fileCardId = (infoHash: string): string => `file:${infoHash}`

/** Whether an id is a real chat message (file cards get no receipts on the wire). */
export const isChatId = (msgId: string): boolean => !msgId.startsWith('file:')

export type Mark = 'sent' | 'delivered' | 'read'

const RANK: Record<Mark, number> = { sent: 0, delivered: 1, read: 2 }

/** Receipts can arrive out of order (a late "delivered" after "read"): a mark only goes up. */
export function raiseMark(current: Mark, next: Mark): Mark {
  return RANK[next] > RANK[current] ? next : current
}

/** Applies a mark to the listed messages; returns the same array when nothing changed. */
export function withMark(
  list: ChatMessage[],
  msgIds: ReadonlySet<string>,
  mark: Mark,
): ChatMessage[] {
  let changed = false
  const next = list.map((m) => {
    if (!msgIds.has(m.msgId)) return m
    const state = raiseMark(m.state, mark)
    if (state === m.state) return m
    changed = true
    return { ...m, state }
  })
  return changed ? next : list
}

/**
 * Our own clock orders the conversation (sent for ours, received for theirs): the other side's
 * clock may be off by minutes, which would put their answer above our question.
 */
const localTime = (m: ChatMessage): number => m.received ?? m.sent

/** Inserts in order, ignoring a message that is there already. */
export function withMessage(list: ChatMessage[], message: ChatMessage): ChatMessage[] {
  if (list.some((m) => m.msgId === message.msgId)) return list
  return [...list, message].sort((a, b) => localTime(a) - localTime(b))
}
