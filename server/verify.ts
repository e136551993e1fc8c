import { verify } from 'node:crypto'
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
  let sig: Buffer
  let key: Buffer
  try {
    sig = bytes(signed.sig)
  } catch {
    return Promise.reject(new OpenPeerError('ERR_SIGNATURE', `${what} is not base64url`))
  }
  try {
    key = spki(signer)
  } catch (cause) {
    return Promise.reject(
      new OpenPeerError('ERR_SIGNATURE', 'public key is not a valid P-256 point', { cause }),
    )
  }
  const data = utf8(jcs(withoutSig(signed)))
  return new Promise((resolve, reject) => {
    const refuse = (cause?: unknown) =>
      reject(new OpenPeerError('ERR_SIGNATURE', `${what} does not verify`, { cause }))
    try {
      verify(
        'sha256',
        data,
        { key, format: 'der', type: 'spki', dsaEncoding: 'ieee-p1363' },
        sig,
        (err, ok) => (err || !ok ? refuse(err ?? undefined) : resolve()),
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
