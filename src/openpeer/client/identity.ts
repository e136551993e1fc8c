import { OpenPeerError } from '../errors.ts'
import { randomId, sha256, toHex } from '../identity/encoding.ts'
import { jcs } from '../identity/jcs.ts'
import { generateIdentityKeys } from '../identity/keys.ts'
import { createPeerFile, createSectionB, createSectionC } from '../identity/peer-file.ts'
import type { KeyStore, StoredIdentity } from '../ports.ts'
import type { LocalIdentity } from '../session/identify.ts'
import type { IdentityInfo } from './types.ts'

export async function createIdentity(
  store: KeyStore,
  opts: { name: string; domain: string; locationLabel: string },
): Promise<StoredIdentity> {
  // Extractable: device linking moves them, and only it (docs/devices.md).
  const keys = await generateIdentityKeys({ extractable: true })
  const peer = await createPeerFile(keys, { domain: opts.domain, name: opts.name })
  const identity: StoredIdentity = {
    keys,
    file: peer.file as StoredIdentity['file'],
    contactId: peer.contactId,
    uri: peer.uri,
    locationId: randomId(12),
    locationLabel: opts.locationLabel,
  }
  await save(store, identity)
  return identity
}

export async function save(store: KeyStore, identity: StoredIdentity): Promise<void> {
  try {
    await store.save(identity)
  } catch (cause) {
    throw new OpenPeerError('ERR_STORAGE', 'the identity could not be saved', { cause })
  }
}

/** A new find secret: every invite link given out so far stops working (PROTOCOL §3 B). */
export async function rotateFindSecret(
  store: KeyStore,
  identity: StoredIdentity,
): Promise<StoredIdentity> {
  const B = await createSectionB(identity.keys, identity.uri)
  const next = { ...identity, file: { ...identity.file, B } }
  await save(store, next)
  return next
}

export async function rename(
  store: KeyStore,
  identity: StoredIdentity,
  name: string,
): Promise<StoredIdentity> {
  const C = await createSectionC(identity.keys, identity.uri, name)
  const next = { ...identity, file: { ...identity.file, C } }
  await save(store, next)
  return next
}

export function localOf(identity: StoredIdentity): LocalIdentity {
  return {
    keys: identity.keys,
    file: identity.file,
    contactId: identity.contactId,
    uri: identity.uri,
    location: { id: identity.locationId, label: identity.locationLabel },
  }
}

/** Short fingerprint people can read to each other: 8 groups of 4 hex of SHA-256(JCS(signKey)). */
export async function keyFingerprint(identity: StoredIdentity): Promise<string> {
  const hex = toHex(await sha256(jcs(identity.file.A.signKey)))
  return (hex.slice(0, 32).match(/.{4}/g) ?? []).join(' ')
}

export async function infoOf(identity: StoredIdentity): Promise<IdentityInfo> {
  return {
    contactId: identity.contactId,
    uri: identity.uri,
    name: identity.file.C.name,
    domain: identity.file.A.domain,
    fingerprint: await keyFingerprint(identity),
    locationId: identity.locationId,
  }
}
