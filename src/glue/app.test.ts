import { beforeEach, describe, expect, it, vi } from 'vitest'
import { useContacts } from '../state/contacts.ts'
import { useFinder } from '../state/finder.ts'
import { useIdentity } from '../state/identity.ts'
import { useThreads } from '../state/threads.ts'
import { useUi } from '../state/ui.ts'
import { BOB, ME, inviteFrom } from './fake-client.ts'
import { buildApp, resetStores, startApp } from './test-rig.ts'

beforeEach(() => {
  resetStores()
  vi.spyOn(console, 'warn').mockImplementation(() => {})
})

describe('createApp: start', () => {
  it('loads the stored profile, contacts and history, then starts the client', async () => {
    const { client } = await startApp({
      identity: ME,
      before: ({ client, stores }) => {
        client.contactList = [BOB]
        void stores.history.add({
          msgId: 'm1',
          contactId: BOB.contactId,
          direction: 'in',
          body: 'hello',
          sent: 1,
          state: 'read',
        })
      },
    })
    expect(useIdentity.getState()).toMatchObject({ status: 'ready', info: ME, persistent: true })
    expect(useContacts.getState().order).toEqual([BOB.contactId])
    expect(useThreads.getState().byContact[BOB.contactId]?.map((m) => m.body)).toEqual(['hello'])
    expect(client.started).toBe(1)
    expect(useFinder.getState()).toEqual({ domain: ME.domain, state: 'connecting' })
  })

  it('without a profile shows the first run and starts nothing until a name is chosen', async () => {
    const { app, client } = await startApp({ identity: undefined })
    expect(useIdentity.getState().status).toBe('new')
    expect(client.started).toBe(0)

    await app.actions.createIdentity('  Ann  ')
    expect(useIdentity.getState()).toMatchObject({ status: 'ready', info: { name: 'Ann' } })
    expect(client.started).toBe(1)
  })

  it('a refused name goes back to the first run with the reason in the alert', async () => {
    const { app, client } = await startApp({ identity: undefined })
    await app.actions.createIdentity('   ')
    expect(useIdentity.getState().status).toBe('new')
    expect(useUi.getState().error).toMatchObject({
      code: 'ERR_BAD_MESSAGE',
      during: 'creating your profile',
    })
    expect(client.started).toBe(0)
  })

  it('a profile that cannot be read is a loading failure in the alert', async () => {
    await startApp({
      before: ({ client }) => {
        client.loadError = new Error('disk gone')
      },
    })
    expect(useUi.getState().error).toEqual({
      code: 'ERR_INTERNAL',
      during: 'loading',
      detail: 'disk gone',
    })
  })
})

describe('createApp: invites in the address bar', () => {
  it('an invite in the address bar is opened once after start and removed from it', async () => {
    const link = inviteFrom(BOB.contactId)
    const { client, page } = await startApp({
      before: ({ page }) => {
        page.location.url = new URL(link)
      },
    })
    await vi.waitFor(() => expect(useContacts.getState().order).toEqual([BOB.contactId]))
    expect(client.accepted).toEqual([link])
    expect(page.location.href).toBe('https://app.test/')

    page.window.fire('hashchange') // nothing left in the address bar: nothing happens
    await Promise.resolve()
    expect(client.accepted).toEqual([link])
  })

  it('an invite opened before choosing a name waits for it, then opens', async () => {
    const link = inviteFrom(BOB.contactId)
    const { app, client, page } = await startApp({
      identity: undefined,
      before: ({ page }) => {
        page.location.url = new URL(link)
      },
    })
    expect(useUi.getState().pendingInvite).toBe(link)
    expect(client.accepted).toEqual([])

    await app.actions.createIdentity('Ann')
    await vi.waitFor(() => expect(client.accepted).toEqual([link]))
    expect(useUi.getState().pendingInvite).toBeNull()
    expect(page.location.hash).toBe('')
  })

  it('a link opened in a running tab (hashchange) is opened too', async () => {
    const { client, page } = await startApp()
    const link = inviteFrom(BOB.contactId)
    page.goTo(link)
    await vi.waitFor(() => expect(client.accepted).toEqual([link]))
    expect(useUi.getState().notice).toBe('Connected with Bob')
  })
})

describe('createApp: stop', () => {
  it('removes every listener and stops the client; later events change nothing', async () => {
    const { app, client, page } = await startApp()
    useUi.setState({ selected: BOB.contactId })
    expect(client.listeners()).toBeGreaterThan(0)
    expect(page.window.listeners()).toBeGreaterThan(0)

    await app.stop()
    expect(client.stopped).toBe(1)
    expect(client.listeners()).toBe(0)
    expect(page.window.listeners()).toBe(0)
    expect(page.document.listeners()).toBe(0)
    expect(page.connection.listeners()).toBe(0)

    client.emit('message:received', {
      contactId: BOB.contactId,
      thread: 't',
      msgId: 'late',
      body: 'too late',
      sent: 1,
      received: 2,
    })
    page.window.fire('online')
    page.goTo(inviteFrom(BOB.contactId))
    await Promise.resolve()
    expect(useThreads.getState().byContact).toEqual({})
    expect(client.retried).toBe(0)
    expect(client.accepted).toEqual([])
  })

  it('is idempotent', async () => {
    const { app, client } = await startApp()
    await Promise.all([app.stop(), app.stop()])
    await app.stop()
    expect(client.stopped).toBe(1)
  })

  it('stopped while the profile loads: the client is never started', async () => {
    let release!: () => void
    const held = new Promise<void>((resolve) => (release = resolve))
    const { app, client } = buildApp({
      before: ({ client }) => {
        const load = client.load.bind(client)
        client.load = async () => {
          await held
          return load()
        }
      },
    })
    await app.stop()
    release()
    await app.ready
    expect(client.started).toBe(0)
    expect(useIdentity.getState().status).toBe('loading')
  })
})
