import { beforeEach, describe, expect, it } from 'vitest'
import { OpenPeerError } from '../openpeer/index.ts'
import { useCalls } from '../state/calls.ts'
import { useUi } from '../state/ui.ts'
import type { SystemNotifications } from './ports.ts'
import { BOB } from './fake-client.ts'
import { resetStores, startApp } from './test-rig.ts'

beforeEach(resetStores)

/** Notifications the person allowed (or not), recording what was shown and closed. */
function notifications(permission: NotificationPermission) {
  const shown: { title: string; body: string; closed: boolean }[] = []
  let asked = 0
  const port: SystemNotifications = {
    permission,
    requestPermission: async () => {
      asked++
      return permission
    },
    show(title, opts) {
      const n = { title, body: opts.body, closed: false }
      shown.push(n)
      return { close: () => void (n.closed = true) }
    },
  }
  return { port, shown, asked: () => asked }
}

const withBob = {
  before: ({ client }: { client: { contactList: unknown[] } }) => void (client.contactList = [BOB]),
}

describe('calls glue', () => {
  it('starts a call, keeps its state and streams in the store, and clears them when it ends', async () => {
    const { app, client } = await startApp(withBob)
    await app.actions.startCall(BOB.contactId, true)
    expect(client.calls.asked).toEqual([`start ${BOB.contactId} video`])
    const { call, local } = useCalls.getState()
    expect(call).toMatchObject({ state: 'outgoing', video: true, contactId: BOB.contactId })
    expect(local).toEqual({ local: call?.callId })

    const remote = { remote: true } as unknown as MediaStream
    client.emit('call:track', {
      callId: call!.callId,
      contactId: BOB.contactId,
      track: { kind: 'video', enabled: true, stop: () => {} },
      stream: remote as never,
    })
    expect(useCalls.getState().remote).toBe(remote)

    app.actions.setMuted(true)
    app.actions.setCameraOff(true)
    expect(useCalls.getState().call).toMatchObject({ muted: true, cameraOff: true })

    // Bob hangs up: the call leaves the store and a notice says so.
    client.calls.put({ ...useCalls.getState().call!, state: 'ended', reason: 'remote-hangup' })
    expect(useCalls.getState()).toMatchObject({ call: null, local: null, remote: null })
    expect(useUi.getState().notice).toBe('Bob hung up.')
  })

  it('says why a call could not start, in the alert', async () => {
    const { app, client } = await startApp(withBob)
    client.calls.startError = new OpenPeerError(
      'ERR_MEDIA_DENIED',
      'the microphone was not allowed',
    )
    await app.actions.startCall(BOB.contactId, false)
    expect(useUi.getState().error).toMatchObject({
      code: 'ERR_MEDIA_DENIED',
      during: 'starting a call',
    })
    expect(useCalls.getState().call).toBeNull()
  })

  it('an incoming call rings in the store; accept and decline go to the client', async () => {
    const { app, client } = await startApp(withBob)
    client.calls.ring(BOB.contactId, true)
    expect(useCalls.getState().call).toMatchObject({ state: 'incoming', direction: 'incoming' })
    await app.actions.acceptCall()
    expect(client.calls.asked).toEqual(['accept call-in'])
    expect(useCalls.getState().call).toMatchObject({ state: 'connecting' })
    app.actions.hangUp()
    expect(useCalls.getState().call).toBeNull()
    // We ended it: no notice about it.
    expect(useUi.getState().notice).toBeNull()

    client.calls.ring(BOB.contactId, false, 'call-2')
    app.actions.declineCall()
    expect(client.calls.asked.at(-1)).toBe('decline call-2')
    expect(useCalls.getState().call).toBeNull()
  })

  it('busy, unanswered and missed calls are told in words', async () => {
    const { client } = await startApp(withBob)
    const first = await client.calls.start(BOB.contactId, {})
    client.calls.put({ ...first, state: 'ended', reason: 'busy' })
    expect(useUi.getState().notice).toBe('Bob is busy in another call.')
    const again = await client.calls.start(BOB.contactId, {})
    client.calls.put({ ...again, state: 'ended', reason: 'timeout' })
    expect(useUi.getState().notice).toBe('Bob did not answer.')
    const theirs = client.calls.ring(BOB.contactId, false)
    client.calls.put({ ...theirs, state: 'ended', reason: 'missed' })
    expect(useUi.getState().notice).toBe('Missed call from Bob.')
  })

  it('a call ringing while the tab is hidden shows a system notification, closed when answered', async () => {
    const allowed = notifications('granted')
    const rig = await startApp({
      before: (r) => {
        r.client.contactList = [BOB]
        r.page.notifications = allowed.port
      },
    })
    rig.client.calls.ring(BOB.contactId, true)
    // Visible: the in-page dialog is enough.
    expect(allowed.shown).toEqual([])
    rig.client.calls.hangUp('call-in')

    rig.page.document.visibilityState = 'hidden'
    rig.client.calls.ring(BOB.contactId, true, 'call-2')
    expect(allowed.shown).toEqual([
      { title: 'Incoming call', body: 'Bob is calling you (video call).', closed: false },
    ])
    await rig.app.actions.acceptCall()
    expect(allowed.shown[0]?.closed).toBe(true)
  })

  it('never shows a notification the person did not allow; asks on their first call', async () => {
    const undecided = notifications('default')
    const rig = await startApp({
      before: (r) => {
        r.client.contactList = [BOB]
        r.page.notifications = undecided.port
        r.page.document.visibilityState = 'hidden'
      },
    })
    rig.client.calls.ring(BOB.contactId, false)
    expect(undecided.shown).toEqual([])
    rig.app.actions.declineCall()
    await rig.app.actions.startCall(BOB.contactId, false)
    expect(undecided.asked()).toBe(1)
  })
})
