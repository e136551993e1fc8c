import { beforeEach, describe, expect, it, vi } from 'vitest'
import { OpenPeerError } from '../openpeer/index.ts'
import { useUi } from '../state/ui.ts'
import { appError } from './errors.ts'
import { BOB, inviteFrom } from './fake-client.ts'
import { resetStores, startApp } from './test-rig.ts'

beforeEach(() => {
  resetStores()
  vi.spyOn(console, 'warn').mockImplementation(() => {})
})

const alert = (code: 'ERR_SIGNATURE' | 'ERR_FIND_DENIED' | 'ERR_REPLAY', during: string) => ({
  error: new OpenPeerError(code, `${code} happened`),
  during,
})

describe('errors glue', () => {
  it('a failed security check becomes a notice in words, without the library sentence', async () => {
    const { client } = await startApp()
    client.emit('security:alert', alert('ERR_SIGNATURE', 'rendezvous'))
    expect(useUi.getState().notice).toBe(
      'A security check failed: data that could not be verified was refused.',
    )
    expect(useUi.getState().error).toBeNull()
  })

  it('the notice names the contact the alert is about, by name or else by id', async () => {
    const { client } = await startApp()
    const about = { contactId: BOB.contactId, name: 'Bob' }
    client.emit('security:alert', { ...alert('ERR_REPLAY', 'rendezvous'), contact: about })
    expect(useUi.getState().notice).toBe(
      'A security check failed (from Bob): data that could not be verified was refused.',
    )
    const stranger = { contactId: 'f00dcafe'.repeat(8) }
    client.emit('security:alert', { ...alert('ERR_SIGNATURE', 'rendezvous'), contact: stranger })
    expect(useUi.getState().notice).toBe(
      'A security check failed (from contact f00dcafe): data that could not be verified was refused.',
    )
  })

  it('no notice for a stale find secret: that contact reset their links and must ring us', async () => {
    const { client } = await startApp()
    client.emit('security:alert', alert('ERR_FIND_DENIED', 'ringing'))
    expect(useUi.getState().notice).toBeNull()
  })

  it('no notice while an invite is being opened: its own failure says it better', async () => {
    const { app, client } = await startApp()
    client.acceptInvite = async () => {
      client.emit('security:alert', alert('ERR_REPLAY', 'opening an invite'))
      throw new OpenPeerError('ERR_SIGNATURE', 'the card is forged')
    }
    await app.actions.openInvite(inviteFrom(BOB.contactId))
    expect(useUi.getState().notice).toBeNull()
    expect(useUi.getState().error).toMatchObject({ code: 'ERR_SIGNATURE' })

    client.emit('security:alert', alert('ERR_REPLAY', 'rendezvous')) // after it: a notice again
    expect(useUi.getState().notice).toMatch(/^A security check failed/)
  })

  it('problems nobody awaited go to the console only', async () => {
    const { client } = await startApp()
    client.emit('client:error', {
      error: new OpenPeerError('ERR_TIMEOUT', 'slow'),
      during: 'message delivery',
    })
    expect(console.warn).toHaveBeenCalledWith('[openpeer] message delivery:', expect.anything())
    expect(useUi.getState()).toMatchObject({ notice: null, error: null })
  })

  it('library errors keep their code and sentence; anything else is ERR_INTERNAL', () => {
    expect(appError(new OpenPeerError('ERR_STORAGE', 'disk full'), 'saving')).toEqual({
      code: 'ERR_STORAGE',
      during: 'saving',
      detail: 'disk full',
    })
    expect(appError('boom', 'x')).toEqual({ code: 'ERR_INTERNAL', during: 'x', detail: 'boom' })
  })
})
