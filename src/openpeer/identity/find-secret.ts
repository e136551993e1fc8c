import { toBase64Url, randomBytes, toHex, utf8 } from './encoding.ts'

/** A fresh find secret: 128 random bits (PROTOCOL §3 B). */
export function newFindSecret(): string {
  return toBase64Url(randomBytes(16))
}

/** What a find secret proof is bound to: who rings whom, in which find, until when. */
export interface FindProofBinding {
  /** the initiator's contact id (hex), the one that signs the find */
  from: string
  /** the target's peer URI */
  to: string
  context: string
  nonce: string
  expires: number
}

/**
 * findSecretProof = hex(HMAC-SHA-256(findSecret, "proof:" + from + ":" + to + ":" + context +
 * ":" + nonce + ":" + expires)): shows that the initiator holds section B without sending the
 * secret itself. It binds the sender, the target and the find context, not just the nonce and
 * expiry: otherwise a finder could drop a real find, copy its proof into a find signed with its
 * own key, and the target would seal its offer (its addresses) to the finder (PROTOCOL §5.3).
 * No field can contain a ':' except `to`, whose form is fixed by its own checks, so the string
 * has one reading.
 */
export async function findSecretProof(findSecret: string, b: FindProofBinding): Promise<string> {
  const key = await crypto.subtle.importKey(
    'raw',
    utf8(findSecret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  )
  return toHex(await crypto.subtle.sign('HMAC', key, utf8(findSecretMessage(b))))
}

/** The string a find secret proof is the HMAC of (see findSecretProof). */
export function findSecretMessage(b: FindProofBinding): string {
  return `proof:${b.from}:${b.to}:${b.context}:${b.nonce}:${b.expires}`
}
