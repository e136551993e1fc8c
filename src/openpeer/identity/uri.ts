import { OpenPeerError } from '../errors.ts'

/** `peer://<domain>/<contactId>`: domain = host[:port] of the home finder, id = 64 hex digits. */
export interface PeerUri {
  domain: string
  contactId: string
}

export const CONTACT_ID = /^[0-9a-f]{64}$/
// A DNS name, IPv4 or bracketed IPv6 host, with an optional port. Lowercase only: the URI is a key.
export const DOMAIN =
  /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*|\[[0-9a-f:.]+\])(?::[0-9]{1,5})?$/

export function checkDomain(domain: string): string {
  if (domain.length > 260 || !DOMAIN.test(domain)) {
    throw new OpenPeerError(
      'ERR_URI',
      `"${domain.slice(0, 80)}" is not a domain (host[:port], lowercase)`,
    )
  }
  const port = /:(\d+)$/.exec(domain)?.[1]
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) {
    throw new OpenPeerError('ERR_URI', `port ${port} is out of range`)
  }
  return domain
}

export function checkContactId(id: string): string {
  if (!CONTACT_ID.test(id)) {
    throw new OpenPeerError('ERR_URI', 'a contact id is 64 lowercase hex digits')
  }
  return id
}

export function formatPeerUri({ domain, contactId }: PeerUri): string {
  return `peer://${checkDomain(domain)}/${checkContactId(contactId)}`
}

export function parsePeerUri(text: string): PeerUri {
  if (typeof text !== 'string' || !text.startsWith('peer://')) {
    throw new OpenPeerError('ERR_URI', 'a peer URI starts with peer://')
  }
  const rest = text.slice('peer://'.length)
  const slash = rest.lastIndexOf('/')
  if (slash <= 0) throw new OpenPeerError('ERR_URI', 'a peer URI is peer://<domain>/<contact id>')
  return {
    domain: checkDomain(rest.slice(0, slash)),
    contactId: checkContactId(rest.slice(slash + 1)),
  }
}

export function isPeerUri(text: string): boolean {
  try {
    parsePeerUri(text)
    return true
  } catch {
    return false
  }
}
