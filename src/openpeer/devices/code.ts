import { sha256 } from '../identity/encoding.ts'

/**
 * The short code both screens show while a device is being linked (docs/devices.md), from the
 * two throwaway contact ids and a nonce from each side. The nonces travel inside the DTLS
 * session, so the finder — which sees both contact ids — cannot grind a key of its own into
 * the same code: someone else answering the link shows a different code on the linked device.
 */
export async function deviceCode(
  linkContactId: string,
  newcomerContactId: string,
  newcomerNonce: string,
  linkNonce: string,
): Promise<string> {
  const digest = await sha256(
    `opw1 device code:${linkContactId}:${newcomerContactId}:${newcomerNonce}:${linkNonce}`,
  )
  // 4 bytes mod 10^6: the bias (below 1 in 4000) does not help anyone guess one code.
  const n =
    (((digest[0] ?? 0) << 24) |
      ((digest[1] ?? 0) << 16) |
      ((digest[2] ?? 0) << 8) |
      (digest[3] ?? 0)) >>>
    0
  const digits = String(n % 1_000_000).padStart(6, '0')
  return `${digits.slice(0, 3)} ${digits.slice(3)}`
}
