import { appLinkKind, splitAppLink } from './app-link.ts'
import { OpenPeerError } from '../errors.ts'
import { checkContactId, checkDomain } from './uri.ts'

/**
 * What a device link carries (docs/devices.md): the home finder, the one-time *linking
 * identity* the existing device made for this link (its contact id and find secret), and when
 * the link stops working. Nothing in it is the user's own identity: a leaked, expired link
 * rings a throwaway that is gone.
 */
export interface DeviceLink {
  domain: string
  contactId: string
  findSecret: string
  /** ms since the epoch; the link is refused after this */
  expires: number
}

/** Device links live ten minutes: long enough to walk to the other device, short for a leak. */
export const DEVICE_LINK_TTL = 10 * 60_000

const SECRET = /^[A-Za-z0-9_-]{22,64}$/
const EXPIRES = /^[0-9a-z]{1,12}$/

/**
 * `<origin>/#/d/<domain>/<contactId>.<findSecret>.<expires>` — shaped like an invite
 * (`#/i/…`, identity/invite.ts) so it travels the same ways (QR, copy, the address bar), with
 * the expiry (seconds, base 36) so the new device can say "expired" without asking anyone.
 */
export function formatDeviceLink(origin: string, link: DeviceLink): string {
  // Rounded down: the link never claims to live longer than the linked device lets it.
  const expires = Math.floor(link.expires / 1000).toString(36)
  return `${origin.replace(/\/+$/, '')}/#/d/${link.domain}/${link.contactId}.${link.findSecret}.${expires}`
}

/** True for text that looks like a device link (whole, or just its fragment). */
export function isDeviceLink(text: string): boolean {
  return appLinkKind(text) === 'd'
}

/**
 * Accepts a whole link or its fragment. Throws ERR_DEVICE_LINK with why — an invite link
 * (`#/i/…`) is named as such, so pasting the wrong one says what happened.
 */
export function parseDeviceLink(text: string): DeviceLink {
  if (appLinkKind(text) === 'i')
    throw new OpenPeerError(
      'ERR_DEVICE_LINK',
      'this is an invite link, not a device link: open it under "Add contact"',
    )
  const parts = splitAppLink(text)
  if (parts?.kind !== 'd')
    throw new OpenPeerError(
      'ERR_DEVICE_LINK',
      'this is not a device link (expected …#/d/<domain>/<id>.<secret>.<expiry>)',
    )
  const { domainPart, token } = parts
  const [contactId = '', findSecret = '', expires = '', ...rest] = token.split('.')
  if (!findSecret || !expires || rest.length)
    throw new OpenPeerError('ERR_DEVICE_LINK', 'the device link is cut short or damaged')
  let domain: string
  try {
    domain = checkDomain(decodeURIComponent(domainPart).toLowerCase())
    checkContactId(contactId)
  } catch (cause) {
    throw new OpenPeerError(
      'ERR_DEVICE_LINK',
      `the device link is damaged: ${(cause as Error).message}`,
      { cause },
    )
  }
  if (!SECRET.test(findSecret) || !EXPIRES.test(expires))
    throw new OpenPeerError('ERR_DEVICE_LINK', 'the device link is damaged')
  return { domain, contactId, findSecret, expires: parseInt(expires, 36) * 1000 }
}
