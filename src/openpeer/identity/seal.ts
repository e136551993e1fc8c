import { OpenPeerError } from '../errors.ts'
import { fromBase64Url, fromUtf8, randomBytes, toBase64Url, utf8 } from './encoding.ts'
import { importBoxKey, type PublicJwk } from './keys.ts'

/** A payload encrypted to one recipient's box key; the finder carries it and cannot open it. */
export interface Sealed {
  /** the sender's ephemeral P-256 public point, raw uncompressed, base64url */
  epk: string
  iv: string
  ct: string
}

const ECDH = { name: 'ECDH', namedCurve: 'P-256' } as const

// The purpose goes into both the HKDF info and the GCM additional data, so a payload sealed for
// one purpose (say an SDP) can never be accepted as another (say a candidate).
async function deriveAesKey(
  privateKey: CryptoKey,
  publicKey: CryptoKey,
  epkRaw: Uint8Array<ArrayBuffer>,
  purpose: string,
): Promise<CryptoKey> {
  const shared = await crypto.subtle.deriveBits(
    { name: 'ECDH', public: publicKey },
    privateKey,
    256,
  )
  const hkdfKey = await crypto.subtle.importKey('raw', shared, 'HKDF', false, ['deriveKey'])
  return crypto.subtle.deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt: epkRaw, info: utf8(`opw1 seal ${purpose}`) },
    hkdfKey,
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt', 'decrypt'],
  )
}

/** Ephemeral ECDH → HKDF-SHA-256 → AES-256-GCM (PROTOCOL §2). `value` is any JSON value. */
export async function seal(recipient: PublicJwk, value: unknown, purpose: string): Promise<Sealed> {
  const recipientKey = await importBoxKey(recipient)
  const eph = await crypto.subtle.generateKey(ECDH, true, ['deriveBits'])
  const epkRaw = new Uint8Array(await crypto.subtle.exportKey('raw', eph.publicKey))
  const key = await deriveAesKey(eph.privateKey, recipientKey, epkRaw, purpose)
  const iv = randomBytes(12)
  const ct = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv, additionalData: utf8(purpose) },
    key,
    utf8(JSON.stringify(value)),
  )
  return { epk: toBase64Url(epkRaw), iv: toBase64Url(iv), ct: toBase64Url(ct) }
}

/** Opens what `seal` made for our box key; any tampering or wrong purpose gives ERR_SEAL. */
export async function unseal(
  boxPrivate: CryptoKey,
  sealed: Sealed,
  purpose: string,
): Promise<unknown> {
  try {
    const epkRaw = fromBase64Url(sealed.epk)
    const epk = await crypto.subtle.importKey('raw', epkRaw, ECDH, false, [])
    const key = await deriveAesKey(boxPrivate, epk, epkRaw, purpose)
    const plain = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: fromBase64Url(sealed.iv), additionalData: utf8(purpose) },
      key,
      fromBase64Url(sealed.ct),
    )
    return JSON.parse(fromUtf8(new Uint8Array(plain)))
  } catch (cause) {
    throw new OpenPeerError('ERR_SEAL', `sealed ${purpose} payload does not open`, { cause })
  }
}
