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

/**
 * A payload encrypted with a channel key (below): the key agreement happened once, in the seal
 * that opened the channel, so it carries no ephemeral point of its own.
 */
export interface ChannelSealed {
  iv: string
  ct: string
}

const ECDH = { name: 'ECDH', namedCurve: 'P-256' } as const

/** The ECDH secret of a seal, ready to derive keys from (HKDF), with the salt they share. */
async function agree(privateKey: CryptoKey, publicKey: CryptoKey): Promise<CryptoKey> {
  const shared = await crypto.subtle.deriveBits(
    { name: 'ECDH', public: publicKey },
    privateKey,
    256,
  )
  return crypto.subtle.importKey('raw', shared, 'HKDF', false, ['deriveKey'])
}

function hkdfAes(
  hkdfKey: CryptoKey,
  salt: Uint8Array<ArrayBuffer>,
  info: string,
): Promise<CryptoKey> {
  return crypto.subtle.deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt, info: utf8(info) },
    hkdfKey,
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt', 'decrypt'],
  )
}

// The purpose goes into both the HKDF info and the GCM additional data, so a payload sealed for
// one purpose (say an SDP) can never be accepted as another (say a candidate).
const sealInfo = (purpose: string): string => `opw1 seal ${purpose}`
// A channel key comes from the same ECDH secret under another label: it is not the seal's key,
// and it is bound to what the channel is for (a find context and a direction).
const channelInfo = (channel: string): string => `opw1 channel ${channel}`

async function encrypt(key: CryptoKey, value: unknown, purpose: string): Promise<ChannelSealed> {
  const iv = randomBytes(12)
  const ct = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv, additionalData: utf8(purpose) },
    key,
    utf8(JSON.stringify(value)),
  )
  return { iv: toBase64Url(iv), ct: toBase64Url(ct) }
}

async function decrypt(key: CryptoKey, sealed: ChannelSealed, purpose: string): Promise<unknown> {
  const plain = await crypto.subtle.decrypt(
    { name: 'AES-GCM', iv: fromBase64Url(sealed.iv), additionalData: utf8(purpose) },
    key,
    fromBase64Url(sealed.ct),
  )
  return JSON.parse(fromUtf8(new Uint8Array(plain)))
}

/** Ephemeral ECDH → HKDF-SHA-256 → AES-256-GCM (PROTOCOL §2). `value` is any JSON value. */
export async function seal(recipient: PublicJwk, value: unknown, purpose: string): Promise<Sealed> {
  return (await sealOpening(recipient, value, purpose)).sealed
}

/**
 * `seal`, and with `channel` also the key of a channel from the sender to the recipient that
 * this seal opens: later payloads of the same exchange go under that key (`sealOnChannel`)
 * instead of an ECDH each. Only who made the ephemeral key and who holds the recipient's box
 * key can derive it — the same two who can open the seal itself.
 */
export async function sealOpening(
  recipient: PublicJwk,
  value: unknown,
  purpose: string,
  channel?: string,
): Promise<{ sealed: Sealed; channel?: CryptoKey }> {
  const recipientKey = await importBoxKey(recipient)
  const eph = await crypto.subtle.generateKey(ECDH, true, ['deriveBits'])
  const epkRaw = new Uint8Array(await crypto.subtle.exportKey('raw', eph.publicKey))
  const secret = await agree(eph.privateKey, recipientKey)
  const [key, channelKey] = await Promise.all([
    hkdfAes(secret, epkRaw, sealInfo(purpose)),
    channel === undefined ? undefined : hkdfAes(secret, epkRaw, channelInfo(channel)),
  ])
  const sealed = { epk: toBase64Url(epkRaw), ...(await encrypt(key, value, purpose)) }
  return channelKey ? { sealed, channel: channelKey } : { sealed }
}

/** Opens what `seal` made for our box key; any tampering or wrong purpose gives ERR_SEAL. */
export async function unseal(
  boxPrivate: CryptoKey,
  sealed: Sealed,
  purpose: string,
): Promise<unknown> {
  return (await unsealOpening(boxPrivate, sealed, purpose)).value
}

/** `unseal`, and with `channel` the key of the channel that seal opened (see `sealOpening`). */
export async function unsealOpening(
  boxPrivate: CryptoKey,
  sealed: Sealed,
  purpose: string,
  channel?: string,
): Promise<{ value: unknown; channel?: CryptoKey }> {
  try {
    const epkRaw = fromBase64Url(sealed.epk)
    const epk = await crypto.subtle.importKey('raw', epkRaw, ECDH, false, [])
    const secret = await agree(boxPrivate, epk)
    const [key, channelKey] = await Promise.all([
      hkdfAes(secret, epkRaw, sealInfo(purpose)),
      channel === undefined ? undefined : hkdfAes(secret, epkRaw, channelInfo(channel)),
    ])
    const value = await decrypt(key, sealed, purpose)
    return channelKey ? { value, channel: channelKey } : { value }
  } catch (cause) {
    throw new OpenPeerError('ERR_SEAL', `sealed ${purpose} payload does not open`, { cause })
  }
}

/** A payload under a channel key (AES-256-GCM, fresh random IV, the purpose as additional data). */
export function sealOnChannel(
  channel: CryptoKey,
  value: unknown,
  purpose: string,
): Promise<ChannelSealed> {
  return encrypt(channel, value, purpose)
}

/** Opens what `sealOnChannel` made; another key, purpose or any tampering gives ERR_SEAL. */
export async function unsealOnChannel(
  channel: CryptoKey,
  sealed: ChannelSealed,
  purpose: string,
): Promise<unknown> {
  try {
    return await decrypt(channel, sealed, purpose)
  } catch (cause) {
    throw new OpenPeerError('ERR_SEAL', `sealed ${purpose} payload does not open`, { cause })
  }
}
