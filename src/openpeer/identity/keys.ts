import { OpenPeerError } from '../errors.ts'

/** A public P-256 key as a minimal JWK: what peer files carry. */
export interface PublicJwk {
  kty: 'EC'
  crv: 'P-256'
  x: string
  y: string
}

/**
 * A contact's key material, kept in IndexedDB as CryptoKeys (structured clone). An identity's
 * keys are made extractable so that device linking can move them to the user's other devices
 * (docs/devices.md says why; identity/portable.ts is the one place that exports them);
 * throwaway keys (a device link's) and profiles made before device linking are not.
 */
export interface IdentityKeys {
  sign: CryptoKeyPair
  box: CryptoKeyPair
}

const SIGN_ALG = { name: 'ECDSA', namedCurve: 'P-256' } as const
const BOX_ALG = { name: 'ECDH', namedCurve: 'P-256' } as const

export async function generateIdentityKeys(
  opts: { extractable?: boolean } = {},
): Promise<IdentityKeys> {
  const extractable = opts.extractable ?? false
  const [sign, box] = await Promise.all([
    crypto.subtle.generateKey(SIGN_ALG, extractable, ['sign', 'verify']),
    crypto.subtle.generateKey(BOX_ALG, extractable, ['deriveBits']),
  ])
  return { sign, box }
}

/** Can these keys move to another device? False for profiles made before device linking. */
export function keysMovable(keys: IdentityKeys): boolean {
  return keys.sign.privateKey.extractable && keys.box.privateKey.extractable
}

export async function exportPublicJwk(key: CryptoKey): Promise<PublicJwk> {
  const jwk = await crypto.subtle.exportKey('jwk', key)
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || !jwk.x || !jwk.y) {
    throw new OpenPeerError('ERR_INTERNAL', 'not a P-256 public key')
  }
  return { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y }
}

// Imports are cached: every received proof would otherwise re-import the same public key.
const verifyKeys = new Map<string, Promise<CryptoKey>>()
const boxKeys = new Map<string, Promise<CryptoKey>>()
const CACHE_MAX = 512

function cached(
  cache: Map<string, Promise<CryptoKey>>,
  jwk: PublicJwk,
  make: () => Promise<CryptoKey>,
): Promise<CryptoKey> {
  const id = `${jwk.x}.${jwk.y}`
  let key = cache.get(id)
  if (key) {
    // Least recently used goes first: a connect checks the same key several times within
    // seconds (find, reply, signals), while a finder's registrations stream through the cache.
    cache.delete(id)
    cache.set(id, key)
  } else {
    if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value as string)
    key = make().catch((cause: unknown) => {
      cache.delete(id)
      throw new OpenPeerError('ERR_SIGNATURE', 'public key is not a valid P-256 point', { cause })
    })
    cache.set(id, key)
  }
  return key
}

export function importVerifyKey(jwk: PublicJwk): Promise<CryptoKey> {
  return cached(verifyKeys, jwk, () =>
    crypto.subtle.importKey('jwk', { ...jwk, ext: true }, SIGN_ALG, true, ['verify']),
  )
}

export function importBoxKey(jwk: PublicJwk): Promise<CryptoKey> {
  return cached(boxKeys, jwk, () =>
    crypto.subtle.importKey('jwk', { ...jwk, ext: true }, BOX_ALG, true, []),
  )
}
