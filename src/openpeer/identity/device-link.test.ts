import { describe, expect, it } from 'vitest'
import { formatDeviceLink, isDeviceLink, parseDeviceLink } from './device-link.ts'
import { formatInvite, parseInvite } from './invite.ts'

const LINK = {
  domain: 'finder.example:8443',
  contactId: 'a'.repeat(64),
  findSecret: 'S'.repeat(22),
  expires: 1_700_000_000_000,
}

describe('device links', () => {
  it('round-trips through the link and its fragment', () => {
    const text = formatDeviceLink('https://app.example/', LINK)
    expect(text).toMatch(/^https:\/\/app\.example\/#\/d\/finder\.example:8443\/a{64}\.S{22}\.\w+$/)
    expect(parseDeviceLink(text)).toEqual(LINK)
    expect(parseDeviceLink(text.slice(text.indexOf('#') + 1))).toEqual(LINK)
    expect(isDeviceLink(text)).toBe(true)
  })

  it('never claims a later expiry than it was given', () => {
    const text = formatDeviceLink('https://app.example', { ...LINK, expires: LINK.expires + 999 })
    expect(parseDeviceLink(text).expires).toBe(LINK.expires)
  })

  it('refuses an invite link by name, and the invite parser refuses a device link', () => {
    const invite = formatInvite('https://app.example', LINK)
    expect(() => parseDeviceLink(invite)).toThrow(/invite link, not a device link/)
    expect(() => parseDeviceLink(invite)).toThrow(
      expect.objectContaining({ code: 'ERR_DEVICE_LINK' }),
    )
    const device = formatDeviceLink('https://app.example', LINK)
    expect(() => parseInvite(device)).toThrow(/device link, not an invite/)
    expect(isDeviceLink(invite)).toBe(false)
  })

  it.each([
    ['no expiry', `#/d/finder.example/${'a'.repeat(64)}.${'S'.repeat(22)}`],
    ['bad id', `#/d/finder.example/${'z'.repeat(64)}.${'S'.repeat(22)}.abc`],
    ['short secret', `#/d/finder.example/${'a'.repeat(64)}.SS.abc`],
    ['extra part', `#/d/finder.example/${'a'.repeat(64)}.${'S'.repeat(22)}.abc.d`],
    ['not a link', 'hello'],
  ])('refuses a damaged link (%s) with ERR_DEVICE_LINK', (_, text) => {
    expect(() => parseDeviceLink(text)).toThrow(
      expect.objectContaining({ code: 'ERR_DEVICE_LINK' }),
    )
  })
})
