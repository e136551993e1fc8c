import { toBase64Url, randomBytes, toHex, utf8 } from './encoding.ts'

/** A fresh find secret: 128 random bits (PROTOCOL §3 B). */
export function newFindSecret(): string {
  return toBase64Url(randomBytes(16))
}

/**
 * findSecretProof = hex(HMAC-SHA-256(findSecret, "proof:" + nonce + ":" + expires)): shows the
 * finder that the initiator holds section B without sending the secret itself.
 */
export async function findSecretProof(
  findSecret: string,
  nonce: string,
  expires: number,
): Promise<string> {
  const key = await crypto.subtle.importKey(
    'raw',
    utf8(findSecret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  )
  return toHex(await crypto.subtle.sign('HMAC', key, utf8(`proof:${nonce}:${expires}`)))
}
