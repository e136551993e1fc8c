import { allInOrder } from '../async.ts'
import { OpenPeerError } from '../errors.ts'
import { NAME_MAX } from '../limits.ts'
import { toHex, sha256 } from './encoding.ts'
import { newFindSecret } from './find-secret.ts'
import { jcs } from './jcs.ts'
import { exportPublicJwk, type IdentityKeys, type PublicJwk } from './keys.ts'
import { signJson, verifyJson, type Signed } from './sign.ts'
import { formatPeerUri, parsePeerUri } from './uri.ts'

/** Section A: anyone may hold it; proves the key ↔ contact binding (self-signed). */
export type SectionA = Signed<{
  v: 1
  suite: 'opw1'
  signKey: PublicJwk
  boxKey: PublicJwk
  domain: string
  created: number
  expires: number
}>

/** Section B: whoever holds it may find (ring) the contact. */
export type SectionB = Signed<{ contact: string; findSecret: string; updated: number }>

/** Section C: whoever holds it learns who the contact is. */
export type SectionC = Signed<{ contact: string; name: string; updated: number }>

export interface PeerFile {
  A: SectionA
  B?: SectionB | undefined
  C?: SectionC | undefined
}

export interface VerifiedPeerFile {
  contactId: string
  uri: string
  file: PeerFile
}

const YEAR_MS = 365 * 24 * 3600 * 1000

/** contactId = hex(SHA-256("contact:" + JCS(A including its sig))): the URI is self-certifying. */
export async function contactIdOf(A: SectionA): Promise<string> {
  return toHex(await sha256(`contact:${jcs(A)}`))
}

export function checkDisplayName(name: string): string {
  const trimmed = name.normalize('NFC').trim()
  if (!trimmed) throw new OpenPeerError('ERR_BAD_MESSAGE', 'a display name cannot be empty')
  if ([...trimmed].length > NAME_MAX) {
    throw new OpenPeerError('ERR_BAD_MESSAGE', `a display name has at most ${NAME_MAX} characters`)
  }
  // Control and bidi-override characters could make one name look like another on screen.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/.test(trimmed)) {
    throw new OpenPeerError('ERR_BAD_MESSAGE', 'a display name cannot hold control characters')
  }
  return trimmed
}

export async function createSectionA(
  keys: IdentityKeys,
  domain: string,
  now = Date.now(),
): Promise<SectionA> {
  return signJson(keys.sign.privateKey, {
    v: 1 as const,
    suite: 'opw1' as const,
    signKey: await exportPublicJwk(keys.sign.publicKey),
    boxKey: await exportPublicJwk(keys.box.publicKey),
    domain,
    created: now,
    expires: now + 10 * YEAR_MS,
  })
}

export async function createSectionB(
  keys: IdentityKeys,
  contact: string,
  findSecret = newFindSecret(),
  now = Date.now(),
): Promise<SectionB> {
  return signJson(keys.sign.privateKey, { contact, findSecret, updated: now })
}

export async function createSectionC(
  keys: IdentityKeys,
  contact: string,
  name: string,
  now = Date.now(),
): Promise<SectionC> {
  return signJson(keys.sign.privateKey, { contact, name: checkDisplayName(name), updated: now })
}

/** A whole new public peer file for fresh keys: the identity a first run creates. */
export async function createPeerFile(
  keys: IdentityKeys,
  opts: { domain: string; name: string; now?: number },
): Promise<VerifiedPeerFile> {
  const A = await createSectionA(keys, opts.domain, opts.now)
  const contactId = await contactIdOf(A)
  const uri = formatPeerUri({ domain: opts.domain, contactId })
  const [B, C] = await Promise.all([
    createSectionB(keys, uri, undefined, opts.now),
    createSectionC(keys, uri, opts.name, opts.now),
  ])
  return { contactId, uri, file: { A, B, C } }
}

/**
 * Checks A's self-signature and, when given, that A hashes to `expectedContactId` — the check
 * that catches a finder handing out someone else's section A. Returns the contact id.
 */
export async function verifySectionA(
  A: SectionA,
  expectedContactId?: string,
  now = Date.now(),
): Promise<string> {
  // The hash beside the signature; a bad signature is still what is reported first.
  const [, contactId] = await allInOrder<[void, string]>([
    verifyJson(A.signKey, A, 'section A signature'),
    contactIdOf(A),
  ])
  if (expectedContactId !== undefined && contactId !== expectedContactId) {
    throw new OpenPeerError('ERR_CONTACT_MISMATCH', 'section A does not belong to this contact id')
  }
  if (A.expires < now) throw new OpenPeerError('ERR_EXPIRED', 'section A has expired')
  return contactId
}

/** Verifies every section present: A as above, B and C signed by A's key and naming its URI. */
export async function verifyPeerFile(
  file: PeerFile,
  expectedContactId?: string,
  now = Date.now(),
): Promise<VerifiedPeerFile> {
  // Every signature at once (a peer file is checked on each connect, on both sides); failures
  // are reported in the order they were once checked one by one: A, then B, then C.
  const sections = (['B', 'C'] as const).flatMap((id) => {
    const section = file[id]
    if (!section) return []
    return [
      { id, section, verified: verifyJson(file.A.signKey, section, `section ${id} signature`) },
    ]
  })
  const [a, ...verdicts] = await Promise.allSettled([
    verifySectionA(file.A, expectedContactId, now),
    ...sections.map((s) => s.verified),
  ])
  if (a.status === 'rejected') throw a.reason
  const contactId = a.value as string
  const uri = formatPeerUri({ domain: file.A.domain, contactId })
  for (const [i, { id, section }] of sections.entries()) {
    const verdict = verdicts[i]
    if (verdict?.status === 'rejected') throw verdict.reason
    if (section.contact !== uri) {
      throw new OpenPeerError('ERR_CONTACT_MISMATCH', `section ${id} names another contact`)
    }
  }
  // A signed name is still someone else's input: the same rules as for our own.
  if (file.C && checkDisplayName(file.C.name) !== file.C.name) {
    throw new OpenPeerError('ERR_BAD_MESSAGE', 'section C holds an untidy display name')
  }
  return { contactId, uri, file }
}

/** The contact id a peer URI names, checked for form. */
export function contactIdOfUri(uri: string): string {
  return parsePeerUri(uri).contactId
}
