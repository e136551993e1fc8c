import { beforeEach, describe, expect, it, vi } from 'vitest'
import { useMobile } from '../state/mobile.ts'
import { useUi } from '../state/ui.ts'
import { BOB } from './fake-client.ts'
import type { SystemNotifications } from './ports.ts'
import { FakeTarget, resetStores, startApp } from './test-rig.ts'

beforeEach(resetStores)

function notifications(start: NotificationPermission) {
  const shown: { title: string; body: string; tag: string; contactId?: string | undefined }[] = []
  let asked = 0
  let permission = start
  const port: SystemNotifications = {
    get permission() {
      return permission
    },
    requestPermission: async () => {
      asked++
      return (permission = 'granted')
    },
    show(title, opts) {
      shown.push({ title, ...opts })
      return { close: () => undefined }
    },
  }
  return { port, shown, asked: () => asked }
}

const message = (body: string, n = 1) => ({
  contactId: BOB.contactId,
  thread: 't',
  msgId: `m${n}`,
  body,
  sent: n,
  received: n,
})

describe('notify glue', () => {
  it('never asks for permission by itself; "Notify me of new messages" asks once', async () => {
    const n = notifications('default')
    const { app } = await startApp({ before: ({ page }) => void (page.notifications = n.port) })
    expect(n.asked()).toBe(0)
    expect(useMobile.getState().notifyPermission).toBe('default')
    await app.actions.enableNotifications()
    expect(n.asked()).toBe(1)
    expect(useMobile.getState().notifyPermission).toBe('granted')
  })

  it('a message while the app is hidden shows a notification naming the contact; not while visible', async () => {
    const n = notifications('granted')
    const { client, page } = await startApp({
      before: ({ page, client }) => {
        page.notifications = n.port
        client.contactList = [BOB]
      },
    })
    client.emit('message:received', message('seen on screen'))
    expect(n.shown).toEqual([])
    page.document.visibilityState = 'hidden'
    client.emit('message:received', message('are you there?', 2))
    expect(n.shown).toEqual([
      {
        title: 'Bob',
        body: 'are you there?',
        tag: `message-${BOB.contactId}`,
        contactId: BOB.contactId,
      },
    ])
  })

  it('nothing shows where the person did not allow notifications', async () => {
    const n = notifications('denied')
    const { client, page } = await startApp({
      before: ({ page }) => void (page.notifications = n.port),
    })
    page.document.visibilityState = 'hidden'
    client.emit('message:received', message('hello'))
    expect(n.shown).toEqual([])
  })

  it('the app badge counts unread messages and clears once they are read', async () => {
    const badges: number[] = []
    const { client, app } = await startApp({
      before: ({ page, client }) => {
        client.contactList = [BOB]
        page.navigator = {
          ...page.navigator,
          setAppBadge: async (n = 0) => void badges.push(n),
          clearAppBadge: async () => void badges.push(0),
        }
      },
    })
    client.emit('message:received', message('one', 1))
    client.emit('message:received', message('two', 2))
    expect(badges.at(-1)).toBe(2)
    app.actions.selectContact(BOB.contactId)
    await vi.waitFor(() => expect(badges.at(-1)).toBe(0))
  })

  it('a clicked notification opens its conversation (the worker posts it, or the address bar names it)', async () => {
    const worker = Object.assign(new FakeTarget(), { controller: {}, ready: Promise.resolve() })
    const { page } = await startApp({
      before: ({ page, client }) => {
        client.contactList = [BOB]
        page.navigator = { ...page.navigator, serviceWorker: worker }
        page.location.url = new URL(`https://app.test/?open=${BOB.contactId}`)
      },
    })
    expect(useUi.getState().selected).toBe(BOB.contactId)
    expect(page.location.search).toBe('')
    useUi.setState({ selected: null })
    worker.dispatchEvent(
      new MessageEvent('message', {
        data: { type: 'open-conversation', contactId: BOB.contactId },
      }),
    )
    expect(useUi.getState().selected).toBe(BOB.contactId)
  })
})
