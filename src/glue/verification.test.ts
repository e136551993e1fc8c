import { beforeEach, describe, expect, it } from 'vitest'
import { OpenPeerError } from '../openpeer/index.ts'
import { useContacts } from '../state/contacts.ts'
import { useUi } from '../state/ui.ts'
import { BOB, type FakeClient } from './fake-client.ts'
import { resetStores, startApp } from './test-rig.ts'

beforeEach(resetStores)

const withBob = {
  before: ({ client }: { client: FakeClient }) => void (client.contactList = [BOB]),
}

describe('verification glue', () => {
  it('hands out the safety number; a failure is shown in words, not as a number', async () => {
    const { app, client } = await startApp(withBob)
    client.safetyNumberOf = '01234 56789 '.repeat(6).trim()
    expect(await app.actions.safetyNumber(BOB.contactId)).toBe(client.safetyNumberOf)

    client.safetyNumberOf = new OpenPeerError('ERR_NOT_FOUND', 'no such contact')
    expect(await app.actions.safetyNumber('f'.repeat(64))).toBeNull()
    expect(useUi.getState().error).toMatchObject({ code: 'ERR_NOT_FOUND' })
  })

  it('"Mark as verified" shows Bob verified and says so; "Mark as not verified" undoes it', async () => {
    const { app } = await startApp(withBob)
    expect(useContacts.getState().byId[BOB.contactId]?.verified).toBe(false)

    expect(await app.actions.setVerified(BOB.contactId, true)).toBe(true)
    expect(useContacts.getState().byId[BOB.contactId]?.verified).toBe(true)
    expect(useUi.getState().notice).toBe('Bob is verified.')

    expect(await app.actions.setVerified(BOB.contactId, false)).toBe(true)
    expect(useContacts.getState().byId[BOB.contactId]?.verified).toBe(false)
    expect(useUi.getState().notice).toBe('Bob is no longer verified.')
  })

  it('a mark the storage refused is not shown as given', async () => {
    const { app, client } = await startApp(withBob)
    client.setVerifiedError = new OpenPeerError('ERR_STORAGE', 'the contact could not be saved')
    expect(await app.actions.setVerified(BOB.contactId, true)).toBe(false)
    expect(useContacts.getState().byId[BOB.contactId]?.verified).toBe(false)
    expect(useUi.getState().error).toMatchObject({
      code: 'ERR_STORAGE',
      during: 'marking the contact verified',
    })
  })

  it('a mark dropped by the client (their keys changed) reaches the list', async () => {
    const { client } = await startApp({
      before: ({ client }) => void (client.contactList = [{ ...BOB, verified: true }]),
    })
    expect(useContacts.getState().byId[BOB.contactId]?.verified).toBe(true)
    client.emit('contact:updated', { ...BOB, verified: false })
    expect(useContacts.getState().byId[BOB.contactId]?.verified).toBe(false)
  })
})
