import { describe, expect, it } from 'vitest'
import type { ChatMessage } from '../model/chat.ts'
import { memoryHistoryStore } from '../storage/history.ts'
import { HISTORY_PER_CONTACT, historyPort } from './history-port.ts'

const BOB = 'b'.repeat(64)
const msg = (i: number, more: Partial<ChatMessage> = {}): ChatMessage => ({
  msgId: `m${i}`,
  contactId: BOB,
  direction: i % 2 ? 'in' : 'out',
  body: `message ${i}`,
  sent: i,
  state: 'delivered',
  ...more,
})

describe('history port', () => {
  it('a linked device gets the recent part of each conversation, and stores it', async () => {
    const from = memoryHistoryStore()
    for (let i = 0; i < HISTORY_PER_CONTACT + 5; i++) await from.add(msg(i))
    const exported = await historyPort(from).export()
    expect(exported).toHaveLength(HISTORY_PER_CONTACT)

    const to = memoryHistoryStore()
    await historyPort(to).import(JSON.parse(JSON.stringify(exported)))
    const list = (await to.all())[BOB] ?? []
    expect(list).toHaveLength(HISTORY_PER_CONTACT)
    expect(list.at(-1)?.body).toBe(`message ${HISTORY_PER_CONTACT + 4}`)
  })

  it('hands the library chat messages only, oldest first, never file cards', async () => {
    const store = memoryHistoryStore()
    await store.add(msg(2))
    await store.add(msg(1))
    await store.add(msg(3, { msgId: 'file:abc', body: 'photo.jpg' }))
    expect(await historyPort(store).recent?.(10)).toEqual([
      { dir: 'in', contactId: BOB, msgId: 'm1', body: 'message 1', sent: 1 },
      { dir: 'out', contactId: BOB, msgId: 'm2', body: 'message 2', sent: 2 },
    ])
  })
})
