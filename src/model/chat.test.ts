import { describe, expect, it } from 'vitest'
import { isChatId, fileCardId, raiseMark, withMark, withMessage, type ChatMessage } from './chat.ts'

const msg = (msgId: string, more: Partial<ChatMessage> = {}): ChatMessage => ({
  msgId,
  contactId: 'c',
  direction: 'out',
  body: msgId,
  sent: 0,
  state: 'sent',
  ...more,
})

describe('chat model', () => {
  it('a mark only goes up: a late "delivered" never undoes "read"', () => {
    expect(raiseMark('sent', 'delivered')).toBe('delivered')
    expect(raiseMark('read', 'delivered')).toBe('read')
    const list = [msg('a', { state: 'read' }), msg('b')]
    expect(withMark(list, new Set(['a']), 'delivered')).toBe(list) // unchanged: same array
    expect(withMark(list, new Set(['a', 'b']), 'delivered').map((m) => m.state)).toEqual([
      'read',
      'delivered',
    ])
  })

  it('a conversation is ordered by our own clock and holds each message once', () => {
    // Their clock is minutes ahead: their answer still comes after our question.
    const question = msg('q', { sent: 1_000 })
    const answer = msg('a', { direction: 'in', sent: 900_000, received: 2_000, state: 'delivered' })
    const earlier = msg('e', { sent: 500 })
    let list = withMessage([], answer)
    list = withMessage(list, question)
    list = withMessage(list, earlier)
    expect(list.map((m) => m.msgId)).toEqual(['e', 'q', 'a'])
    expect(withMessage(list, { ...question, body: 'again' })).toBe(list)
  })

  it('file cards are told apart from chat messages by their id', () => {
    expect(isChatId(fileCardId('ab'.repeat(20)))).toBe(false)
    expect(isChatId('0f3c')).toBe(true)
  })
})
