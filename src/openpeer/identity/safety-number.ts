import { OpenPeerError } from '../errors.ts'
import { utf8 } from './encoding.ts'

/*
 * Safety numbers (docs/safety-numbers.md): two people compare one 60-digit number, read aloud or
 * side by side, and learn that each holds the other's real peer file — that no finder, introducer
 * or link in between swapped a section A (and with it the keys) on the way.
 *
 * Each side's half is derived from its contact id, which is SHA-256 of its whole section A
 * (signing key, sealing key, domain, signature): comparing contact ids compares both keys, and
 * every session already proves the peer holds the signing key of the A that hashes to its id.
 *
 *   half(id) = 6 × 5 digits of PBKDF2-HMAC-SHA-256(password = id's 32 bytes,
 *                                                  salt = "opw-safety-number-v1",
 *                                                  iterations = 100 000, 240 bits)
 *   each 5 bytes, big-endian, mod 100 000, zero-padded to 5 digits
 *   number = the two halves in ascending order, as 12 groups of 5 digits
 *
 * Sorting the halves makes it order-independent: both sides compute the same string. Each half
 * carries ~99.7 bits; to pass a swapped peer file off, an attacker must make a key whose half
 * equals the victim's (a second preimage, ~2^99 tries), each try costing 100 000 HMACs — the
 * same work factor idea as Signal's iterated fingerprint, done by WebCrypto in one native call
 * (~25 ms; 5 200 awaited SHA-256 rounds took ~800 ms in Node).
 */

export const SAFETY_NUMBER_ITERATIONS = 100_000
const SALT = utf8('opw-safety-number-v1')
const CONTACT_ID = /^[0-9a-f]{64}$/

/** The 30 digits one side contributes, from its contact id. */
async function half(contactId: string): Promise<string> {
  if (!CONTACT_ID.test(contactId)) {
    throw new OpenPeerError('ERR_URI', 'a contact id is 64 lowercase hex digits')
  }
  const id = new Uint8Array(32)
  for (let i = 0; i < 32; i++) id[i] = parseInt(contactId.slice(2 * i, 2 * i + 2), 16)
  const key = await crypto.subtle.importKey('raw', id, 'PBKDF2', false, ['deriveBits'])
  const bits = new Uint8Array(
    await crypto.subtle.deriveBits(
      { name: 'PBKDF2', hash: 'SHA-256', salt: SALT, iterations: SAFETY_NUMBER_ITERATIONS },
      key,
      240,
    ),
  )
  let digits = ''
  for (let chunk = 0; chunk < 6; chunk++) {
    // 5 bytes (40 bits) mod 100 000: the bias is below 1 in 10^7, and no float loses a bit.
    let n = 0
    for (let i = 0; i < 5; i++) n = n * 256 + (bits[chunk * 5 + i] ?? 0)
    digits += String(n % 100_000).padStart(5, '0')
  }
  return digits
}

/**
 * The safety number of two contact ids (yours and theirs, in either order): 12 groups of 5
 * digits separated by single spaces. Throws ERR_URI for something not a contact id.
 */
export async function safetyNumber(a: string, b: string): Promise<string> {
  const halves = await Promise.all([half(a), half(b)])
  const digits = halves.sort().join('')
  return (digits.match(/\d{5}/g) ?? []).join(' ')
}
