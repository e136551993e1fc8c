import { beforeEach, describe, expect, it, vi } from 'vitest'
import { OpenPeerError } from '../openpeer/index.ts'
import { useContacts } from '../state/contacts.ts'
import { useDevices } from '../state/devices.ts'
import { useIdentity } from '../state/identity.ts'
import { useThreads } from '../state/threads.ts'
import { useUi } from '../state/ui.ts'
import { BOB, ME } from './fake-client.ts'
import { resetStores, startApp } from './test-rig.ts'

const DEVICE_LINK = `https://app.test/#/d/app.test/${'c'.repeat(64)}.${'d'.repeat(22)}.zzzzzz`

beforeEach(() => {
  resetStores()
  vi.spyOn(console, 'warn').mockImplementation(() => {})
})

describe('devices glue', () => {
  it('"Link a device" shows the link, lists who opened it with the code, and approves', async () => {
    const { app, client, page } = await startApp()
    await app.actions.linkDevice()
    const linker = client.linkers[0]!
    expect(useDevices.getState().link).toBe(linker.link)

    linker.emit('pending', { id: 'n1', name: 'Laptop', code: '123 456' })
    expect(useDevices.getState().pending).toEqual([{ id: 'n1', name: 'Laptop', code: '123 456' }])

    await app.actions.copyDeviceLink()
    expect(page.copied).toEqual([linker.link])

    await app.actions.approveDevice('n1')
    expect(linker.approved).toEqual(['n1'])
    expect(useDevices.getState().pending).toEqual([])
    client.deviceList = [{ locationId: 'loc-laptop', label: 'Laptop', added: 1 }]
    linker.emit('linked', { id: 'n1', name: 'Laptop' })
    linker.emit('ended', {})
    expect(useUi.getState().notice).toBe('Laptop is linked: it has your profile now')
    expect(useDevices.getState()).toMatchObject({
      link: null,
      devices: [{ locationId: 'loc-laptop', label: 'Laptop', online: false }],
    })
  })

  it('declining tells the link; closing the panel or the app stops the link', async () => {
    const { app, client } = await startApp()
    await app.actions.linkDevice()
    const linker = client.linkers[0]!
    linker.emit('pending', { id: 'n1', name: 'Stranger', code: '999 999' })
    linker.emit('pending', { id: 'n2', name: 'Phone', code: '111 111' })
    linker.emit('gone', { id: 'n2' })
    expect(useDevices.getState().pending.map((d) => d.id)).toEqual(['n1'])
    app.actions.declineDevice('n1')
    expect(linker.declined).toEqual(['n1'])
    await app.actions.linkDevice()
    expect(linker.stopped).toBe(1)
    await app.stop()
    expect(client.linkers[1]!.stopped).toBe(1)
  })

  it('a profile older than device linking says so with its code', async () => {
    const { app, client } = await startApp()
    client.linkError = new OpenPeerError('ERR_KEYS_LOCKED', 'made before device linking')
    await app.actions.linkDevice()
    expect(useUi.getState().error).toMatchObject({ code: 'ERR_KEYS_LOCKED' })
    expect(useDevices.getState().link).toBeNull()
  })

  it('lists devices online and offline as they come and go, and removes one', async () => {
    const { app, client } = await startApp({
      before: ({ client }) => {
        client.deviceList = [{ locationId: 'loc-laptop', label: 'Laptop', added: 1 }]
      },
    })
    expect(useDevices.getState().devices).toEqual([
      { locationId: 'loc-laptop', label: 'Laptop', online: false },
    ])
    client.emit('device:state', { locationId: 'loc-laptop', label: 'Laptop', state: 'online' })
    expect(useDevices.getState().devices[0]?.online).toBe(true)
    client.emit('device:state', { locationId: 'loc-laptop', label: 'Laptop', state: 'offline' })
    expect(useDevices.getState().devices[0]?.online).toBe(false)
    await app.actions.removeDevice('loc-laptop')
    expect(client.removedDevices).toEqual(['loc-laptop'])
    expect(useDevices.getState().devices).toEqual([])
  })

  it('a device link in the address bar of a new browser: name, code, then the profile', async () => {
    const { app, client, page } = await startApp({
      identity: undefined,
      before: ({ page }) => void (page.location.url = new URL(DEVICE_LINK)),
    })
    expect(page.location.hash).toBe('')
    expect(useDevices.getState().join).toEqual({ link: DEVICE_LINK, status: 'naming', code: null })
    client.contactList = [BOB]
    const codes: (string | null)[] = []
    const off = useDevices.subscribe((s) => codes.push(s.join?.code ?? null))
    await app.actions.joinDevice('Laptop')
    off()
    expect(codes).toContain('123 456')
    expect(client.joins).toEqual([{ link: DEVICE_LINK, name: 'Laptop' }])
    expect(useIdentity.getState()).toMatchObject({ status: 'ready', info: ME })
    expect(useContacts.getState().byId[BOB.contactId]).toEqual(BOB)
    expect(client.started).toBe(1)
  })

  it('a device link pasted on the first-run screen starts the same way; an invite there is refused', async () => {
    const { app } = await startApp({ identity: undefined })
    app.actions.openDeviceLink(`https://app.test/#/i/app.test/${'c'.repeat(64)}.${'d'.repeat(22)}`)
    expect(useUi.getState().error).toMatchObject({ code: 'ERR_DEVICE_LINK' })
    expect(useDevices.getState().join).toBeNull()
    app.actions.openDeviceLink(` ${DEVICE_LINK} `)
    expect(useDevices.getState().join).toEqual({ link: DEVICE_LINK, status: 'naming', code: null })
    expect(useUi.getState().error).toBeNull()
  })

  it('a refused link shows its code and goes back to the first-run screen', async () => {
    const { app, client } = await startApp({
      identity: undefined,
      before: ({ page }) => void (page.location.url = new URL(DEVICE_LINK)),
    })
    client.joinWith = { code: '1', result: new OpenPeerError('ERR_LINK_USED', 'used') }
    await app.actions.joinDevice('Laptop')
    expect(useUi.getState().error).toMatchObject({ code: 'ERR_LINK_USED' })
    expect(useDevices.getState().join).toBeNull()
    expect(useIdentity.getState().status).toBe('new')

    // Nobody answering is worded for a device link, not for a contact.
    useDevices.setState({ join: { link: DEVICE_LINK, status: 'naming', code: null } })
    client.joinWith = { code: '1', result: new OpenPeerError('ERR_UNAVAILABLE', 'nobody') }
    await app.actions.joinDevice('Laptop')
    expect(useUi.getState().error).toMatchObject({ code: 'ERR_DEVICE_OFFLINE' })
  })

  it('a device link opened where a profile exists is refused, nothing asked', async () => {
    const { client, page } = await startApp()
    page.goTo(DEVICE_LINK)
    expect(useUi.getState().error).toMatchObject({ code: 'ERR_CONFLICT' })
    expect(client.joins).toEqual([])
    expect(useDevices.getState().join).toBeNull()
  })

  it('a message sent or read on another device shows so here; removal wipes this browser', async () => {
    const { client, stores } = await startApp()
    client.emit('message:sent', {
      contactId: BOB.contactId,
      thread: 't',
      msgId: 'm-elsewhere',
      body: 'from my laptop',
      sent: 5,
    })
    expect(useThreads.getState().byContact[BOB.contactId]).toEqual([
      expect.objectContaining({ msgId: 'm-elsewhere', direction: 'out', body: 'from my laptop' }),
    ])
    client.emit('message:read', { contactId: BOB.contactId, msgIds: ['m-elsewhere'] })
    expect(useThreads.getState().byContact[BOB.contactId]?.[0]?.state).toBe('read')
    client.emit('identity:removed', { by: 'Laptop' })
    await vi.waitFor(() => expect(useIdentity.getState().status).toBe('new'))
    expect(stores.wiped).toBe(1)
    expect(useThreads.getState().byContact).toEqual({})
  })
})
