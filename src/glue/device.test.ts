import { beforeEach, describe, expect, it } from 'vitest'
import { deviceLabel } from './device.ts'
import { resetStores, startApp } from './test-rig.ts'

beforeEach(resetStores)

describe('device glue', () => {
  it('names this device for contacts as "<browser> on <system>"', () => {
    const ua = {
      chromeLinux:
        'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0 Safari/537.36',
      chromeAndroid:
        'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0 Mobile Safari/537.36',
      edgeWindows:
        'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0 Safari/537.36 Edg/140.0',
      safariIpad:
        'Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1',
      firefoxMac:
        'Mozilla/5.0 (Macintosh; Intel Mac OS X 14.0; rv:130.0) Gecko/20100101 Firefox/130.0',
    }
    expect(deviceLabel(ua.chromeLinux)).toBe('Chrome on Linux')
    expect(deviceLabel(ua.chromeAndroid)).toBe('Chrome on Android')
    expect(deviceLabel(ua.edgeWindows)).toBe('Edge on Windows')
    expect(deviceLabel(ua.safariIpad)).toBe('Safari on iOS')
    expect(deviceLabel(ua.firefoxMac)).toBe('Firefox on macOS')
    expect(deviceLabel('curl/8')).toBe('Browser on unknown system')
  })

  it('the network coming back, or another link, moves the sessions and skips the backoff', async () => {
    const { client, page } = await startApp()
    page.window.fire('online')
    expect(client.networkChanges).toBe(1)
    page.connection.type = 'cellular'
    page.connection.fire('change')
    expect(client.networkChanges).toBe(2)
  })

  it('the page shown again checks the finder at once; hidden, it does not', async () => {
    const { client, page } = await startApp()
    page.document.visibilityState = 'hidden'
    page.document.fire('visibilitychange')
    expect(client.retried).toBe(0)
    page.document.visibilityState = 'visible'
    page.document.fire('visibilitychange')
    expect(client.retried).toBe(1)
  })
})
