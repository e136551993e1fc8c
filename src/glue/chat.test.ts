import { beforeEach, describe, expect, it, vi } from 'vitest'
import type { ReceivedMessage } from '../openpeer/index.ts'
import { unreadCount, useThreads } from '../state/threads.ts'
import { useUi } from '../state/ui.ts'
import { BOB, fileInfo } from './fake-client.ts'
import { resetStores, startApp, type Rig } from './test-rig.ts'

beforeEach(() => {
  resetStores()
  vi.spyOn(console, 'warn').mockImplementation(() => {})
})

const bob = BOB.contactId
const incoming = (msgId: string, body = msgId): ReceivedMessage => ({
  contactId: bob,
  thread: 't',
  msgId,
  body,
  sent: 10,
  received: 20,
})
const thread = () => useThreads.getState().byContact[bob] ?? []
const stored = async (rig: Rig) => (await rig.stores.history.all())[bob] ?? []

describe('chat glue', () => {
  it('a received message lands in the thread and in the history, marked delivered', async () => {
    const rig = await startApp()
    rig.client.emit('message:received', incoming('m1', 'hi Ann'))
    expect(thread()).toMatchObject([{ msgId: 'm1', body: 'hi Ann', direction: 'in' }])
    expect(thread()[0]?.state).toBe('delivered')
    await vi.waitFor(async () =>
      expect(await stored(rig)).toMatchObject([{ msgId: 'm1', state: 'delivered' }]),
    )
  })

  it('a sent message is recorded as sent; its receipts raise the mark in the thread and history', async () => {
    const rig = await startApp()
    useUi.setState({ selected: bob })
    expect(await rig.app.actions.sendMessage('hello')).toBe(true)
    expect(thread()).toMatchObject([
      { msgId: 'm1', body: 'hello', direction: 'out', state: 'sent' },
    ])

    rig.client.emit('message:state', { contactId: bob, msgId: 'm1', state: 'read' })
    rig.client.emit('message:state', { contactId: bob, msgId: 'm1', state: 'delivered' })
    expect(thread()[0]?.state).toBe('read') // a late "delivered" never undoes "read"
    await vi.waitFor(async () => expect((await stored(rig))[0]?.state).toBe('read'))
  })

  it('a receipt that arrives before its message is recorded is kept and applied on recording', async () => {
    const rig = await startApp()
    useUi.setState({ selected: bob })
    // The other side answers before sendMessage resolves here (a fast link).
    const send = rig.client.sendMessage
    rig.client.sendMessage = async (contactId, body) => {
      const item = await send(contactId, body)
      rig.client.emit('message:state', { contactId, msgId: item.msgId, state: 'delivered' })
      return item
    }
    await rig.app.actions.sendMessage('quick')
    expect(thread()).toMatchObject([{ msgId: 'm1', state: 'delivered' }])
    await vi.waitFor(async () => expect((await stored(rig))[0]?.state).toBe('delivered'))
  })

  it('sending needs a selected contact and some text; a refusal keeps the text and says why', async () => {
    const rig = await startApp()
    expect(await rig.app.actions.sendMessage('nobody selected')).toBe(false)
    useUi.setState({ selected: bob })
    expect(await rig.app.actions.sendMessage('   ')).toBe(false)
    expect(rig.client.sentCount).toBe(0)

    rig.client.sendMessage = () => Promise.reject(new Error('offline'))
    expect(await rig.app.actions.sendMessage('hello')).toBe(false)
    expect(useUi.getState().error).toMatchObject({ during: 'sending the message' })
    expect(thread()).toEqual([])
  })

  it('a history that cannot be saved is reported; the conversation still shows the message', async () => {
    const rig = await startApp()
    rig.stores.history.add = () => Promise.reject(new Error('quota'))
    rig.client.emit('message:received', incoming('m1'))
    expect(thread()).toHaveLength(1)
    await vi.waitFor(() =>
      expect(useUi.getState().error).toMatchObject({ during: 'saving the chat history' }),
    )
  })
})

describe('read receipts', () => {
  it('go out when the conversation is selected, for messages only (file cards get none)', async () => {
    const rig = await startApp()
    rig.client.emit('message:received', incoming('m1'))
    rig.client.emit('torrent:offer', {
      contactId: bob,
      infoHash: 'f'.repeat(40),
      magnet: 'magnet:?xt=urn:btih:' + 'f'.repeat(40),
      name: 'a.txt',
      size: 1,
      mime: 'text/plain',
    })
    expect(rig.client.markedRead).toEqual([])

    rig.app.actions.selectContact(bob)
    expect(rig.client.markedRead).toEqual([{ contactId: bob, msgIds: ['m1'] }])
    expect(thread().map((m) => m.state)).toEqual(['read', 'read'])
  })

  it('a message arriving in the open, visible conversation is read at once', async () => {
    const rig = await startApp()
    rig.app.actions.selectContact(bob)
    rig.client.emit('message:received', incoming('m1'))
    expect(rig.client.markedRead).toEqual([{ contactId: bob, msgIds: ['m1'] }])
  })

  it('a file card arriving in the open, visible conversation is not unread', async () => {
    const rig = await startApp()
    rig.app.actions.selectContact(bob)
    rig.client.emit('torrent:offer', { contactId: bob, ...fileInfo(3) })
    expect(thread().map((m) => m.state)).toEqual(['read'])
    expect(unreadCount(bob)(useThreads.getState())).toBe(0)
    // A card is no chat message: no read receipt goes out for it.
    expect(rig.client.markedRead).toEqual([])

    // In a conversation that is not open it stays unread.
    rig.app.actions.selectContact(null)
    rig.client.emit('torrent:offer', { contactId: bob, ...fileInfo(4) })
    expect(unreadCount(bob)(useThreads.getState())).toBe(1)
  })

  it('wait while the page is hidden, and go out when it is shown or focused again', async () => {
    const rig = await startApp()
    rig.app.actions.selectContact(bob)
    rig.page.document.visibilityState = 'hidden'
    rig.client.emit('message:received', incoming('m1'))
    rig.page.window.fire('focus')
    expect(rig.client.markedRead).toEqual([])
    expect(thread()[0]?.state).toBe('delivered')

    rig.page.document.visibilityState = 'visible'
    rig.page.document.fire('visibilitychange')
    expect(rig.client.markedRead).toEqual([{ contactId: bob, msgIds: ['m1'] }])

    rig.client.emit('message:received', incoming('m2'))
    rig.client.emit('message:received', incoming('m3')) // both read on arrival
    rig.page.window.fire('focus') // nothing unread: no empty receipt
    expect(rig.client.markedRead.map((r) => r.msgIds)).toEqual([['m1'], ['m2'], ['m3']])
  })
})
