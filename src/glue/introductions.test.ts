import { beforeEach, describe, expect, it } from 'vitest'
import { OpenPeerError } from '../openpeer/index.ts'
import { usePrefs } from '../state/prefs.ts'
import { useUi } from '../state/ui.ts'
import { BOB } from './fake-client.ts'
import { resetStores, startApp } from './test-rig.ts'

beforeEach(resetStores)

const CAROL = { ...BOB, contactId: 'c'.repeat(64), name: 'Carol' }

describe('introductions glue', () => {
  it('tells the person who introduced them to whom', async () => {
    const { client } = await startApp()
    client.emit('contact:introduced', {
      contact: BOB,
      by: { contactId: CAROL.contactId, name: 'Carol' },
    })
    expect(useUi.getState().notice).toBe('Carol introduced you to Bob.')
  })

  it('introduces two contacts and says so; a refusal is shown in words', async () => {
    const rig = await startApp({
      before: ({ client }) => void (client.contactList = [BOB, CAROL]),
    })
    expect(await rig.app.actions.introduce(BOB.contactId, CAROL.contactId)).toBe(true)
    expect(rig.client.introduced).toEqual([[BOB.contactId, CAROL.contactId]])
    expect(useUi.getState().notice).toBe('Introduced Bob and Carol to each other.')

    rig.client.introduceError = new OpenPeerError(
      'ERR_FORBIDDEN',
      'Carol does not accept introductions',
    )
    expect(await rig.app.actions.introduce(BOB.contactId, CAROL.contactId)).toBe(false)
    expect(useUi.getState().error).toMatchObject({
      code: 'ERR_FORBIDDEN',
      detail: expect.stringContaining('Carol does not accept introductions'),
    })
  })

  it('"Accept introductions" is on by default, remembered, and given to the client', async () => {
    const first = await startApp()
    expect(first.client.options?.acceptIntroductions).toBe(true)
    expect(usePrefs.getState().acceptIntroductions).toBe(true)
    first.app.actions.setAcceptIntroductions(false)
    expect(first.client.acceptingIntroductions).toBe(false)
    expect(first.stores.saved.at(-1)).toMatchObject({ acceptIntroductions: false })

    resetStores()
    const again = await startApp({
      before: ({ stores }) =>
        stores.saved.push({ seedOnMobileData: false, hideIp: false, acceptIntroductions: false }),
    })
    expect(again.client.options?.acceptIntroductions).toBe(false)
    expect(usePrefs.getState().acceptIntroductions).toBe(false)
  })
})
