import { OpenPeerError } from '../errors.ts'
import { randomId, toHex, sha256 } from '../identity/encoding.ts'
import { jcs } from '../identity/jcs.ts'
import type { PublicJwk } from '../identity/keys.ts'
import { signJson, verifyJson, type Signed } from '../identity/sign.ts'
import type { ReplayGuard } from './replay.ts'

/** Lifetimes (PROTOCOL §8): finder and find proofs ≤ 5 min, identify ≤ 24 h. */
export const PROOF_LIFETIME = { finder: 5 * 60_000, identify: 24 * 3600_000 } as const
/** Clocks disagree; a proof may claim this much more lifetime than the limit. */
export const CLOCK_SKEW = 60_000

export type Proof<T> = Signed<T & { nonce: string; expires: number }>

/** Signs `body` with a fresh nonce and an expiry `lifetime` ms from now. */
export function makeProof<T extends object>(
  key: CryptoKey,
  body: T,
  lifetime: number = 2 * 60_000,
  now = Date.now(),
): Promise<Proof<T>> {
  return signJson(key, { ...body, nonce: randomId(), expires: now + lifetime })
}

/**
 * Checks a proof in the order that leaks least: expiry, lifetime, signature, then the nonce (so
 * a forged proof cannot fill the replay cache).
 */
export async function checkProof(
  proof: { nonce: string; expires: number; sig: string },
  signer: PublicJwk,
  opts: {
    replay: ReplayGuard
    maxLifetime: number
    now?: number
    what?: string
    /** the signature check, verifyJson unless the caller has its own (the finder's: verify.ts) */
    verify?: (signer: PublicJwk, signed: { sig: string }, what: string) => Promise<void>
  },
): Promise<void> {
  const what = opts.what ?? 'proof'
  checkFresh(proof, { ...opts, now: opts.now ?? opts.replay.now(), what })
  await (opts.verify ?? verifyJson)(signer, proof, what)
  await opts.replay.check(proof.nonce, proof.expires)
}

/** The cheap part of checkProof (expiry and lifetime), for who must check it before any crypto. */
export function checkFresh(
  proof: { expires: number },
  opts: { maxLifetime: number; now: number; what?: string },
): void {
  const what = opts.what ?? 'proof'
  if (proof.expires < opts.now) throw new OpenPeerError('ERR_EXPIRED', `${what} has expired`)
  if (proof.expires > opts.now + opts.maxLifetime + CLOCK_SKEW) {
    throw new OpenPeerError('ERR_EXPIRED', `${what} claims too long a lifetime`)
  }
}

/** sha256(JCS(proof)), hex: how a reply names the exact request it answers. */
export async function digestOf(value: unknown): Promise<string> {
  return toHex(await sha256(jcs(value)))
}
