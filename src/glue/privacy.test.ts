import { beforeEach, describe, expect, it } from 'vitest'
import { usePrefs } from '../state/prefs.ts'
import { BOB } from './fake-client.ts'
import { resetStores, startApp } from './test-rig.ts'

beforeEach(resetStores)

describe('privacy glue: "Hide my IP address"', () => {
  it('is off by default, and the client is made to use every path', async () => {
    const { client } = await startApp()
    expect(usePrefs.getState().hideIp).toBe(false)
    expect(client.options?.relayOnly).toBe(false)
  })

  it('a saved choice holds from the first connection on', async () => {
    const { client } = await startApp({
      before: ({ stores }) =>
        stores.saved.push({ seedOnMobileData: false, hideIp: true, acceptIntroductions: true }),
    })
    expect(usePrefs.getState().hideIp).toBe(true)
    expect(client.options?.relayOnly).toBe(true)
  })

  it('switched on: remembered, relay-only from now on, and open sessions move at once', async () => {
    const rig = await startApp({
      before: ({ client }) => {
        client.contactList = [BOB, { ...BOB, contactId: 'c'.repeat(64), state: 'offline' }]
      },
    })
    rig.app.actions.setHideIp(true)
    expect(usePrefs.getState().hideIp).toBe(true)
    expect(rig.stores.saved.at(-1)).toEqual({
      seedOnMobileData: false,
      hideIp: true,
      acceptIntroductions: true,
      theme: 'system',
    })
    expect(rig.client.relayOnly).toBe(true)
    // Only the connected contact's session restarts ICE; the offline one connects relay-only later.
    expect(rig.client.renegotiated).toEqual([{ contactId: BOB.contactId, iceRestart: true }])

    rig.app.actions.setHideIp(false)
    expect(rig.client.relayOnly).toBe(false)
    expect(rig.stores.saved.at(-1)).toEqual({
      seedOnMobileData: false,
      hideIp: false,
      acceptIntroductions: true,
      theme: 'system',
    })
  })
})
