import { appLinkKind, splitAppLink } from './app-link.ts'
import { OpenPeerError } from '../errors.ts'
import { checkContactId, checkDomain } from './uri.ts'

/** What an invite link carries (PROTOCOL §6): where to look, whom, and the capability to ring. */
export interface Invite {
  domain: string
  contactId: string
  findSecret: string
}

const SECRET = /^[A-Za-z0-9_-]{22,64}$/

/** `<origin>/#/i/<domain>/<contactId>.<findSecret>` — the fragment never reaches a server. */
export function formatInvite(origin: string, invite: Invite): string {
  return `${origin.replace(/\/+$/, '')}/#/i/${invite.domain}/${invite.contactId}.${invite.findSecret}`
}

/** Accepts a whole link, or just its fragment (`#/i/…` or `/i/…`). Throws ERR_INVITE with why. */
export function parseInvite(text: string): Invite {
  if (appLinkKind(text) === 'd')
    throw new OpenPeerError(
      'ERR_INVITE',
      'this is a device link, not an invite: open it on the device you are adding ("Link a device")',
    )
  const parts = splitAppLink(text)
  if (parts?.kind !== 'i')
    throw new OpenPeerError(
      'ERR_INVITE',
      'this is not an invite link (expected …#/i/<domain>/<id>.<secret>)',
    )
  const { domainPart, token } = parts
  const dot = token.indexOf('.')
  if (dot < 0)
    throw new OpenPeerError(
      'ERR_INVITE',
      'the invite link is cut short: its find secret is missing',
    )
  const contactId = token.slice(0, dot)
  const findSecret = token.slice(dot + 1)
  let domain: string
  try {
    domain = checkDomain(decodeURIComponent(domainPart).toLowerCase())
    checkContactId(contactId)
  } catch (cause) {
    throw new OpenPeerError(
      'ERR_INVITE',
      `the invite link is damaged: ${(cause as Error).message}`,
      { cause },
    )
  }
  if (!SECRET.test(findSecret)) {
    throw new OpenPeerError(
      'ERR_INVITE',
      'the invite link is damaged: its find secret is malformed',
    )
  }
  return { domain, contactId, findSecret }
}
