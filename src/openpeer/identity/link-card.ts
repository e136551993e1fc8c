/**
 * Section A folded into an invite link (PROTOCOL §6, docs/protocol.md "The card in the link").
 * The link's contact id is the hash of section A, so the invitee checks the A it carries
 * exactly as it checks one a finder hands out: no finder round trip stands between opening a
 * link and sending the find, and no finder is asked whose card it is.
 *
 * 143 bytes, 191 characters of base64url: a version byte, both public keys as compressed
 * P-256 points, `created` and `expires` as 48-bit integers, the signature. Everything else in
 * A is fixed (`v`, `suite`, the keys' `kty` and `crv`) or in the link already (`domain`). A
 * code that decodes to the wrong A fails the hash check: a mistake here cannot let a card
 * through, only refuse one.
 */
import { fromBase64Url, toBase64Url } from './encoding.ts'
import type { PublicJwk } from './keys.ts'
import type { SectionA } from './peer-file.ts'

const VERSION = 1
const POINT = 33
const TIME = 6
const SIG = 64
const LENGTH = 1 + 2 * POINT + 2 * TIME + SIG

// P-256 (FIPS 186-4, D.1.2.3): y² = x³ − 3x + b over the prime p.
const P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn
const B = 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn

/** The link form of A, or undefined when A does not fit it (then the link goes without). */
export function encodeLinkCard(A: SectionA): string | undefined {
  if (A.v !== 1 || A.suite !== 'opw1') return undefined
  try {
    const sig = fromBase64Url(A.sig)
    const out = new Uint8Array(LENGTH)
    out[0] = VERSION
    out.set(compress(A.signKey), 1)
    out.set(compress(A.boxKey), 1 + POINT)
    out.set(time(A.created), 1 + 2 * POINT)
    out.set(time(A.expires), 1 + 2 * POINT + TIME)
    if (sig.length !== SIG) return undefined
    out.set(sig, 1 + 2 * POINT + 2 * TIME)
    // Whatever A holds beyond what the code carries would be lost: then no code at all.
    return sameKeys(A) ? toBase64Url(out) : undefined
  } catch {
    return undefined
  }
}

/**
 * Checks the form of a link's card without decoding its keys: what a link parser can say at
 * once (the keys cost a moment each, left to `decodeLinkCard`). Throws TypeError with what is
 * wrong.
 */
export function checkLinkCard(code: string): void {
  cardBytes(code)
}

/** The card's bytes, their form checked (checkLinkCard). */
function cardBytes(code: string): Uint8Array {
  let bytes: Uint8Array
  try {
    bytes = fromBase64Url(code)
  } catch {
    throw new TypeError('its card is not base64url')
  }
  if (bytes.length !== LENGTH) throw new TypeError('its card has the wrong length')
  if (bytes[0] !== VERSION) throw new TypeError('its card is of an unknown version')
  for (const at of [1, 1 + POINT])
    if (bytes[at] !== 2 && bytes[at] !== 3)
      throw new TypeError('its card holds a key of an unknown form')
  return bytes
}

/** Section A from its link form, for the link's domain. Rejects with a TypeError saying what is wrong. */
export async function decodeLinkCard(code: string, domain: string): Promise<SectionA> {
  const bytes = cardBytes(code)
  const at = 1 + 2 * POINT
  const [signKey, boxKey] = await Promise.all([
    pointToJwk(bytes.subarray(1, 1 + POINT)),
    pointToJwk(bytes.subarray(1 + POINT, at)),
  ])
  return {
    v: 1,
    suite: 'opw1',
    signKey,
    boxKey,
    domain,
    created: readTime(bytes.subarray(at, at + TIME)),
    expires: readTime(bytes.subarray(at + TIME, at + 2 * TIME)),
    sig: toBase64Url(bytes.subarray(at + 2 * TIME)),
  }
}

/**
 * A compressed point as a JWK. WebCrypto decompresses it where the browser takes compressed
 * points (Chromium and Node do: 0.2 ms, off the main thread); elsewhere, or for a point it
 * refuses, the arithmetic below does (5 ms on a cold page's main thread) and gives the verdict.
 */
async function pointToJwk(point: Uint8Array): Promise<PublicJwk> {
  try {
    const key = await crypto.subtle.importKey(
      'raw',
      point.slice() as Uint8Array<ArrayBuffer>,
      { name: 'ECDSA', namedCurve: 'P-256' },
      true,
      ['verify'],
    )
    const { x, y } = await crypto.subtle.exportKey('jwk', key)
    if (x && y) return { kty: 'EC', crv: 'P-256', x, y }
  } catch {
    // not taken here: decompressed below
  }
  return decompressPoint(point)
}

const A_KEYS = ['boxKey', 'created', 'domain', 'expires', 'sig', 'signKey', 'suite', 'v']
const JWK_KEYS = ['crv', 'kty', 'x', 'y']

function sameKeys(A: SectionA): boolean {
  const keys = (o: object) => Object.keys(o).sort().join()
  return (
    keys(A) === A_KEYS.join() &&
    keys(A.signKey) === JWK_KEYS.join() &&
    keys(A.boxKey) === JWK_KEYS.join()
  )
}

function compress(jwk: PublicJwk): Uint8Array {
  const x = fromBase64Url(jwk.x)
  const y = fromBase64Url(jwk.y)
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || x.length !== 32 || y.length !== 32)
    throw new TypeError('not a P-256 key')
  const out = new Uint8Array(POINT)
  out[0] = 2 + ((y[31] as number) & 1)
  out.set(x, 1)
  return out
}

/** y from x and its parity, by the curve's equation. Exported for its test. */
export function decompressPoint(point: Uint8Array): PublicJwk {
  const prefix = point[0]
  if (prefix !== 2 && prefix !== 3) throw new TypeError('its card holds a key of an unknown form')
  const x = toBigInt(point.subarray(1))
  if (x >= P) throw new TypeError('its card holds a key off the curve')
  const rhs = mod(x * x * x - 3n * x + B)
  // p ≡ 3 (mod 4): a square root of a square a is a^((p+1)/4).
  let y = power(rhs, (P + 1n) / 4n)
  if (mod(y * y) !== rhs) throw new TypeError('its card holds a key off the curve')
  if (Number(y & 1n) !== (prefix & 1)) y = P - y
  return { kty: 'EC', crv: 'P-256', x: toBase64Url(point.subarray(1)), y: toBase64Url(toBytes(y)) }
}

function time(ms: number): Uint8Array {
  if (!Number.isSafeInteger(ms) || ms < 0 || ms >= 2 ** 48) throw new TypeError('not a time')
  const out = new Uint8Array(TIME)
  let rest = ms
  for (let i = TIME - 1; i >= 0; i--) {
    out[i] = rest % 256
    rest = Math.floor(rest / 256)
  }
  return out
}

function readTime(bytes: Uint8Array): number {
  let ms = 0
  for (const b of bytes) ms = ms * 256 + b
  return ms
}

function mod(a: bigint): bigint {
  const r = a % P
  return r < 0n ? r + P : r
}

function power(base: bigint, exponent: bigint): bigint {
  let result = 1n
  let b = mod(base)
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = mod(result * b)
    b = mod(b * b)
  }
  return result
}

function toBigInt(bytes: Uint8Array): bigint {
  let n = 0n
  for (const b of bytes) n = (n << 8n) | BigInt(b)
  return n
}

function toBytes(n: bigint): Uint8Array {
  const out = new Uint8Array(32)
  let rest = n
  for (let i = 31; i >= 0; i--) {
    out[i] = Number(rest & 0xffn)
    rest >>= 8n
  }
  return out
}
