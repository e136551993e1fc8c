import { beforeEach, describe, expect, it, vi } from 'vitest'
import { OpenPeerError } from '../openpeer/index.ts'
import { useContacts } from '../state/contacts.ts'
import { useUi } from '../state/ui.ts'
import { BOB, ME, inviteFrom } from './fake-client.ts'
import { resetStores, startApp } from './test-rig.ts'

beforeEach(() => {
  resetStores()
  vi.spyOn(console, 'warn').mockImplementation(() => {})
})

describe('invites glue', () => {
  it('opening an invite adds the contact and says so', async () => {
    const { app, client } = await startApp()
    const link = inviteFrom(BOB.contactId)
    const opening = app.actions.openInvite(link)
    expect(useUi.getState().openingInvite).toBe(true)
    await opening
    expect(client.accepted).toEqual([link])
    expect(useContacts.getState().byId[BOB.contactId]).toEqual(BOB)
    expect(useUi.getState()).toMatchObject({ openingInvite: false, notice: 'Connected with Bob' })
  })

  it('my own link is refused before the library is asked', async () => {
    const { app, client } = await startApp()
    await app.actions.openInvite(inviteFrom(ME.contactId))
    expect(client.accepted).toEqual([])
    expect(useUi.getState().error).toEqual({
      code: 'ERR_OWN_INVITE',
      during: 'opening the invite link',
    })
  })

  it('a malformed link or a failed attempt shows its code in the alert', async () => {
    const { app, client } = await startApp()
    await app.actions.openInvite('https://app.test/#/i/nonsense')
    expect(useUi.getState().error).toMatchObject({ code: 'ERR_INVITE' })

    client.acceptInvite = () => Promise.reject(new OpenPeerError('ERR_NOT_FOUND', 'unknown'))
    await app.actions.openInvite(inviteFrom(BOB.contactId))
    expect(useUi.getState()).toMatchObject({
      error: { code: 'ERR_NOT_FOUND', during: 'opening the invite link', detail: 'unknown' },
      openingInvite: false,
    })
  })

  it('a contact found but offline is added without an alert: the notice says they connect later', async () => {
    const { app, client } = await startApp()
    client.acceptInvite = () =>
      Promise.reject(new OpenPeerError('ERR_UNAVAILABLE', 'they are not online right now'))
    await app.actions.openInvite(inviteFrom(BOB.contactId))
    expect(useUi.getState().error).toBeNull()
    expect(useUi.getState().notice).toMatch(/^Contact added\. .*connected when they are/)
    expect(useUi.getState().openingInvite).toBe(false)
  })

  it('a garbage link in the address bar is refused on the first-run screen, before any profile', async () => {
    const { page } = await startApp({
      identity: undefined,
      before: ({ page }) => (page.location.url = new URL('https://app.test/#/i/not-a-link')),
    })
    expect(useUi.getState().pendingInvite).toBeNull()
    expect(useUi.getState().error).toMatchObject({
      code: 'ERR_INVITE',
      during: 'opening the invite link',
    })
    expect(page.location.hash).toBe('') // a reload does not show it again

    // A well-formed one waits for the name.
    const link = inviteFrom(BOB.contactId)
    page.goTo(link)
    await vi.waitFor(() => expect(useUi.getState().pendingInvite).toBe(link))
  })

  it('the invite link on screen is copied, shared, and replaced when links are reset', async () => {
    const { app, page } = await startApp()
    app.actions.makeInvite()
    const first = useUi.getState().inviteLink
    expect(first).toMatch(/^https:\/\/app\.test\/#\/i\//)

    await app.actions.copyInvite()
    expect(page.copied).toEqual([first])
    expect(useUi.getState().notice).toBe('Invite link copied')

    expect(app.actions.canShare()).toBe(false)
    const shared: ShareData[] = []
    page.navigator.share = async (data) => void shared.push(data)
    expect(app.actions.canShare()).toBe(true)
    await app.actions.shareInvite()
    expect(shared).toEqual([
      { title: 'Open Peer Web', text: 'Ann invites you to chat', url: first },
    ])

    await app.actions.resetInvites()
    expect(useUi.getState().inviteLink).not.toBe(first)
    expect(useUi.getState().notice).toBe(
      'Invite links reset: links given out before no longer work',
    )
  })

  it('a blocked clipboard is ERR_CLIPBOARD; closing the share sheet is no failure', async () => {
    const { app, page } = await startApp()
    app.actions.makeInvite()
    page.navigator = { ...page.navigator, clipboard: undefined }
    await app.actions.copyInvite()
    expect(useUi.getState().error).toEqual({
      code: 'ERR_CLIPBOARD',
      during: 'copying the invite link',
    })

    useUi.setState({ error: null })
    page.navigator.share = () => Promise.reject(new DOMException('closed', 'AbortError'))
    await app.actions.shareInvite()
    expect(useUi.getState().error).toBeNull()

    page.navigator.share = () => Promise.reject(new DOMException('no', 'NotAllowedError'))
    await app.actions.shareInvite()
    expect(useUi.getState().error).toMatchObject({ during: 'sharing the invite link' })
  })
})
