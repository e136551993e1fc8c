import { beforeEach, describe, expect, it } from 'vitest'
import { useMobile } from '../state/mobile.ts'
import { isIosSafari } from './install.ts'
import { resetStores, startApp } from './test-rig.ts'

beforeEach(resetStores)

const IPHONE_SAFARI =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1'

describe('install glue', () => {
  it('"Install app" shows once the browser offers installation and opens its dialog', async () => {
    const { app, page } = await startApp()
    expect(useMobile.getState().installable).toBe(false)
    let prompted = 0
    const offer = Object.assign(new Event('beforeinstallprompt', { cancelable: true }), {
      prompt: async () => void prompted++,
    })
    page.window.dispatchEvent(offer)
    expect(offer.defaultPrevented).toBe(true)
    expect(useMobile.getState().installable).toBe(true)
    await app.actions.installApp()
    expect(prompted).toBe(1)
    expect(useMobile.getState().installable).toBe(false)
  })

  it('iOS Safari, not installed: the Add to Home Screen line; installed or elsewhere: none', async () => {
    await startApp({
      before: ({ page }) => void (page.navigator = { ...page.navigator, userAgent: IPHONE_SAFARI }),
    })
    expect(useMobile.getState().iosInstallHint).toBe(true)
    resetStores()
    await startApp({
      before: ({ page }) => {
        page.navigator = { ...page.navigator, userAgent: IPHONE_SAFARI }
        page.standalone = () => true
      },
    })
    expect(useMobile.getState().iosInstallHint).toBe(false)
    expect(isIosSafari(IPHONE_SAFARI.replace('Version/18.0', 'CriOS/140.0'))).toBe(false)
  })
})
