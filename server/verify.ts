import {
  createPublicKey,
  verify,
  type KeyObject,
  type VerifyKeyObjectInput,
  type VerifyPublicKeyInput,
} from 'node:crypto'
import { OpenPeerError } from '../src/openpeer/errors.ts'
import {
  fromBase64Url,
  jcs,
  utf8,
  withoutSig,
  type PublicJwk,
} from '../src/openpeer/identity/index.ts'

/**
 * The finder's signature check: what the library's verifyJson says, through node:crypto with
 * the key as DER bytes instead of a WebCrypto import. OpenSSL builds the key inside the job and
 * frees it there; an imported CryptoKey's native key (several KB) lives until V8 collects its
 * small JS wrapper, which at 19 000 clients with keys of their own was 4.7 KiB of RSS a client
 * (bench:finder; docs/scale.md).
 */
export function verifySigned(
  signer: PublicJwk,
  signed: { sig: string },
  what = 'signature',
): Promise<void> {
  return check(signer, signed, what, false)
}

/**
 * verifySigned for the keys of a connect in progress: its find, reply and signals are checked
 * against the same two keys within seconds, so the parsed key is kept (DER parsing is two thirds
 * of a check: ~100 of 157 µs). Registrations go through verifySigned: their keys would stream
 * through this cache and leave the native garbage described above.
 */
export function verifyReused(
  signer: PublicJwk,
  signed: { sig: string },
  what = 'signature',
): Promise<void> {
  return check(signer, signed, what, true)
}

const reused = new Map<string, KeyObject>()
const REUSED_MAX = 1024

function reusedKey(jwk: PublicJwk, der: Buffer): KeyObject {
  const id = `${jwk.x}.${jwk.y}`
  let key = reused.get(id)
  if (key) reused.delete(id)
  else {
    key = createPublicKey({ key: der, format: 'der', type: 'spki' })
    if (reused.size >= REUSED_MAX) reused.delete(reused.keys().next().value as string)
  }
  // Least recently used goes first.
  reused.set(id, key)
  return key
}

function check(
  signer: PublicJwk,
  signed: { sig: string },
  what: string,
  reuse: boolean,
): Promise<void> {
  let sig: Buffer
  let input: VerifyKeyObjectInput | VerifyPublicKeyInput
  try {
    sig = bytes(signed.sig)
  } catch {
    return Promise.reject(new OpenPeerError('ERR_SIGNATURE', `${what} is not base64url`))
  }
  try {
    const der = spki(signer)
    input = reuse
      ? { key: reusedKey(signer, der), dsaEncoding: 'ieee-p1363' }
      : { key: der, format: 'der', type: 'spki', dsaEncoding: 'ieee-p1363' }
  } catch (cause) {
    return Promise.reject(
      new OpenPeerError('ERR_SIGNATURE', 'public key is not a valid P-256 point', { cause }),
    )
  }
  const data = utf8(jcs(withoutSig(signed)))
  const doesNotVerify = (cause?: unknown) =>
    new OpenPeerError('ERR_SIGNATURE', `${what} does not verify`, { cause })
  if (reuse) {
    // With the key parsed the check is ~60 µs: less than the two thread switches a job on
    // libuv's pool costs, which on a busy machine wait for a core each (find p50 under load,
    // docs/performance.md). Registrations parse a key each and stay on the pool.
    try {
      if (verify('sha256', data, input, sig)) return Promise.resolve()
      return Promise.reject(doesNotVerify())
    } catch (cause) {
      return Promise.reject(doesNotVerify(cause))
    }
  }
  return new Promise((resolve, reject) => {
    const refuse = (cause?: unknown) => reject(doesNotVerify(cause))
    try {
      verify('sha256', data, input, sig, (err, ok) =>
        err || !ok ? refuse(err ?? undefined) : resolve(),
      )
    } catch (cause) {
      // OpenSSL refused the key before the job started: a point off the curve.
      refuse(cause)
    }
  })
}

const bytes = (text: string) => Buffer.from(fromBase64Url(text).buffer)

// SubjectPublicKeyInfo of a P-256 key, up to the uncompressed point (04 ‖ x ‖ y).
const SPKI_P256 = Buffer.from('3059301306072a8648ce3d020106082a8648ce3d03010703420004', 'hex')

function spki(jwk: PublicJwk): Buffer {
  const x = bytes(jwk.x)
  const y = bytes(jwk.y)
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || x.length !== 32 || y.length !== 32) {
    throw new TypeError('not a P-256 public key')
  }
  return Buffer.concat([SPKI_P256, x, y])
}
