import { z } from 'zod'
import { OpenPeerError } from '../errors.ts'
import type { StoredIdentity } from '../ports.ts'
import { verifyPeerFile } from './peer-file.ts'

/*
 * An identity as bytes: for the one way keys may leave a device (to another device of the same
 * person, sealed over an identified session) and for a Node host that keeps it in a file. The
 * private keys travel as JWKs; their public halves must be the ones the peer file names.
 */

const SIGN_ALG = { name: 'ECDSA', namedCurve: 'P-256' } as const
const BOX_ALG = { name: 'ECDH', namedCurve: 'P-256' } as const

const privateJwk = z.looseObject({
  kty: z.literal('EC'),
  crv: z.literal('P-256'),
  x: z.string().min(1),
  y: z.string().min(1),
  d: z.string().min(1),
})

const portableSchema = z.strictObject({
  v: z.literal(1),
  keys: z.strictObject({ sign: privateJwk, box: privateJwk }),
  // the peer file is checked by verifyPeerFile below, not by shape alone
  file: z.strictObject({ A: z.unknown(), B: z.unknown(), C: z.unknown() }),
  locationId: z.string().min(1).max(64),
  locationLabel: z.string().max(64),
})

export type PortableIdentity = z.infer<typeof portableSchema>

/** The identity with its private keys as JWKs. Keys made non-extractable cannot: said so. */
export async function exportIdentity(identity: StoredIdentity): Promise<PortableIdentity> {
  const { sign, box } = identity.keys
  if (!sign.privateKey.extractable || !box.privateKey.extractable) {
    throw new OpenPeerError(
      'ERR_FORBIDDEN',
      'the keys of this profile were made before they could move to another device',
    )
  }
  const [s, b] = await Promise.all([
    crypto.subtle.exportKey('jwk', sign.privateKey),
    crypto.subtle.exportKey('jwk', box.privateKey),
  ])
  return {
    v: 1,
    keys: {
      sign: { kty: 'EC', crv: 'P-256', x: s.x ?? '', y: s.y ?? '', d: s.d ?? '' },
      box: { kty: 'EC', crv: 'P-256', x: b.x ?? '', y: b.y ?? '', d: b.d ?? '' },
    },
    file: identity.file,
    locationId: identity.locationId,
    locationLabel: identity.locationLabel,
  }
}

/**
 * Reads an exported identity back, checking that its peer file is genuine and that the keys
 * are the ones it names. `where` names the source in errors (a file, "the device link").
 */
export async function importIdentity(value: unknown, where: string): Promise<StoredIdentity> {
  const parsed = portableSchema.safeParse(value)
  if (!parsed.success) {
    throw new OpenPeerError('ERR_BAD_MESSAGE', `${where} does not hold an identity`)
  }
  const p = parsed.data
  const file = p.file as StoredIdentity['file']
  const verified = await verifyPeerFile(file, undefined, Date.now()).catch((cause: unknown) => {
    throw new OpenPeerError('ERR_SIGNATURE', `${where}: the peer file does not verify`, { cause })
  })
  if (!file.B || !file.C) {
    throw new OpenPeerError('ERR_BAD_MESSAGE', `${where}: the peer file lacks section B or C`)
  }
  for (const [name, jwk, pub] of [
    ['signing', p.keys.sign, file.A.signKey],
    ['sealing', p.keys.box, file.A.boxKey],
  ] as const) {
    if (jwk.x !== pub.x || jwk.y !== pub.y) {
      throw new OpenPeerError(
        'ERR_CONTACT_MISMATCH',
        `${where}: the ${name} key is not this contact's`,
      )
    }
  }
  const importPair = async (
    jwk: typeof p.keys.sign,
    alg: typeof SIGN_ALG | typeof BOX_ALG,
    uses: KeyUsage[],
    publicUses: KeyUsage[],
  ): Promise<CryptoKeyPair> => {
    const { d: _d, ...pub } = jwk
    const [privateKey, publicKey] = await Promise.all([
      // extractable, so that this device too can pass it on to the next
      crypto.subtle.importKey('jwk', { ...jwk, ext: true }, alg, true, uses),
      crypto.subtle.importKey('jwk', { ...pub, ext: true }, alg, true, publicUses),
    ])
    return { privateKey, publicKey }
  }
  const keys = {
    sign: await importPair(p.keys.sign, SIGN_ALG, ['sign'], ['verify']),
    box: await importPair(p.keys.box, BOX_ALG, ['deriveBits'], []),
  }
  return {
    keys,
    file,
    contactId: verified.contactId,
    uri: verified.uri,
    locationId: p.locationId,
    locationLabel: p.locationLabel,
  }
}
