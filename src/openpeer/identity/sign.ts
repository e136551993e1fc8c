import { OpenPeerError } from '../errors.ts'
import { fromBase64Url, toBase64Url, utf8 } from './encoding.ts'
import { jcs } from './jcs.ts'
import { importVerifyKey, type PublicJwk } from './keys.ts'

const ALG = { name: 'ECDSA', hash: 'SHA-256' } as const

/** Anything signed carries its signature in `sig`, over JCS of the object without `sig`. */
export type Signed<T> = T & { sig: string }

export function withoutSig<T extends { sig?: string }>(value: T): Omit<T, 'sig'> {
  const { sig: _sig, ...rest } = value
  return rest
}

export async function signJson<T extends object>(key: CryptoKey, body: T): Promise<Signed<T>> {
  if ('sig' in body) throw new OpenPeerError('ERR_INTERNAL', 'body is already signed')
  const sig = await crypto.subtle.sign(ALG, key, utf8(jcs(body)))
  return { ...body, sig: toBase64Url(sig) }
}

/** Throws ERR_SIGNATURE unless `signed.sig` is `signer`'s signature over the rest of `signed`. */
export async function verifyJson(
  signer: PublicJwk,
  signed: { sig: string },
  what = 'signature',
): Promise<void> {
  let sig: Uint8Array<ArrayBuffer>
  try {
    sig = fromBase64Url(signed.sig)
  } catch {
    throw new OpenPeerError('ERR_SIGNATURE', `${what} is not base64url`)
  }
  const key = await importVerifyKey(signer)
  const ok = await crypto.subtle.verify(ALG, key, sig, utf8(jcs(withoutSig(signed))))
  if (!ok) throw new OpenPeerError('ERR_SIGNATURE', `${what} does not verify`)
}
