import { appLinkKind, splitAppLink } from './app-link.ts'
import { OpenPeerError } from '../errors.ts'
import { checkLinkCard } from './link-card.ts'
import { checkContactId, checkDomain } from './uri.ts'

/** What an invite link carries (PROTOCOL §6): where to look, whom, and the capability to ring. */
export interface Invite {
  domain: string
  contactId: string
  findSecret: string
  /**
   * The inviter's section A in its link form (link-card.ts), its form checked but not yet its
   * keys, nor that it is `contactId`'s: links made since 2026-12-03 carry it, older ones leave
   * the invitee to fetch A from the finder.
   */
  card?: string
}

const SECRET = /^[A-Za-z0-9_-]{22,64}$/

/** `<origin>/#/i/<domain>/<contactId>.<findSecret>[.<card>]` — the fragment never reaches a server. */
export function formatInvite(origin: string, invite: Invite): string {
  const card = invite.card ? `.${invite.card}` : ''
  return `${origin.replace(/\/+$/, '')}/#/i/${invite.domain}/${invite.contactId}.${invite.findSecret}${card}`
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
  const [contactId = '', findSecret, card, ...more] = token.split('.')
  if (findSecret === undefined)
    throw new OpenPeerError(
      'ERR_INVITE',
      'the invite link is cut short: its find secret is missing',
    )
  if (!SECRET.test(findSecret)) {
    throw new OpenPeerError(
      'ERR_INVITE',
      'the invite link is damaged: its find secret is malformed',
    )
  }
  if (more.length)
    throw new OpenPeerError('ERR_INVITE', 'the invite link is damaged: it has too many parts')
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
  if (card === undefined) return { domain, contactId, findSecret }
  try {
    checkLinkCard(card)
    return { domain, contactId, findSecret, card }
  } catch (cause) {
    throw new OpenPeerError(
      'ERR_INVITE',
      `the invite link is damaged: ${(cause as Error).message}`,
      { cause },
    )
  }
}
