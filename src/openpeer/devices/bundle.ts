import { OpenPeerError } from '../errors.ts'
import { fromBase64Url, randomId, toBase64Url } from '../identity/encoding.ts'
import {
  exportIdentityKeys,
  exportPublicJwk,
  importIdentityKeys,
  type ExportedKeys,
} from '../identity/keys.ts'
import { jcs } from '../identity/jcs.ts'
import { verifyPeerFile } from '../identity/peer-file.ts'
import type {
  ClientPorts,
  ContactRecord,
  DeviceRecord,
  OutboxItem,
  StoredIdentity,
  TorrentRecord,
} from '../ports.ts'

/**
 * What a device transfer carries (docs/devices.md): the identity with its private keys, the
 * contacts, the outbox, the file records and the host's history. It only ever travels sealed
 * to the newcomer's box key, over the linking session; this module is the one place that
 * exports private keys.
 */
export interface DeviceBundle {
  v: 1
  identity: {
    file: StoredIdentity['file']
    contactId: string
    uri: string
    keys: ExportedKeys
    /** the new device's own location id, chosen by the linked device so both know it */
    locationId: string
    /** the linking device itself, and every device it knows */
    devices: DeviceRecord[]
  }
  contacts: ContactRecord[]
  outbox: OutboxItem[]
  torrents: (Omit<TorrentRecord, 'torrentFile'> & { torrentFile?: string | undefined })[]
  history?: unknown
}

const LOCATION_ID = /^[A-Za-z0-9_-]{8,64}$/

/** Gathers the bundle on the linked device. ERR_KEYS_LOCKED for a profile older than linking. */
export async function packBundle(
  ports: ClientPorts,
  me: StoredIdentity,
  newcomer: { locationId: string },
): Promise<DeviceBundle> {
  const keys = await exportIdentityKeys(me.keys)
  const [contacts, outbox, torrents, history] = await Promise.all([
    ports.contacts.list(),
    ports.outbox.list(),
    ports.torrents?.records.list() ?? [],
    ports.history?.export(),
  ])
  const self: DeviceRecord = { locationId: me.locationId, label: me.locationLabel, added: 0 }
  return {
    v: 1,
    identity: {
      file: me.file,
      contactId: me.contactId,
      uri: me.uri,
      keys,
      locationId: newcomer.locationId,
      devices: [self, ...(me.devices ?? []).filter((d) => d.locationId !== newcomer.locationId)],
    },
    contacts,
    outbox,
    torrents: torrents.map((t) => ({
      ...t,
      torrentFile: t.torrentFile ? toBase64Url(t.torrentFile) : undefined,
    })),
    ...(history === undefined ? {} : { history }),
  }
}

/**
 * Stores a bundle on the new device as its identity, under a location id of its own. Refuses
 * (ERR_CONFLICT) when the device has an identity already: nothing is overwritten. The identity
 * is saved last, so a failure half-way leaves a device that can simply try again.
 */
export async function unpackBundle(
  ports: ClientPorts,
  raw: unknown,
  opts: { label: string; now: number },
): Promise<StoredIdentity> {
  const bundle = raw as DeviceBundle
  if (!bundle || bundle.v !== 1 || typeof bundle.identity !== 'object')
    throw new OpenPeerError('ERR_BAD_MESSAGE', 'the device transfer is not a v1 bundle')
  if (await ports.keys.load())
    throw new OpenPeerError(
      'ERR_CONFLICT',
      'this device has a profile already: it was left as it is (remove it first to link)',
    )
  const { identity } = bundle
  const peer = await verifyPeerFile(identity.file, identity.contactId, opts.now)
  const keys = await importIdentityKeys(identity.keys)
  // The keys must be the ones the peer file names, or the new device would sign as nobody.
  const [signPub, boxPub] = await Promise.all([
    exportPublicJwk(keys.sign.publicKey),
    exportPublicJwk(keys.box.publicKey),
  ])
  if (jcs(signPub) !== jcs(identity.file.A.signKey) || jcs(boxPub) !== jcs(identity.file.A.boxKey))
    throw new OpenPeerError('ERR_CONTACT_MISMATCH', 'the transferred keys are not the identity')
  const list = <T>(v: T[] | undefined): T[] => (Array.isArray(v) ? v : [])
  try {
    for (const c of list(bundle.contacts)) await ports.contacts.put(c)
    for (const item of list(bundle.outbox)) await ports.outbox.put(item)
    for (const t of list(bundle.torrents)) {
      await ports.torrents?.records.put({
        ...t,
        torrentFile: t.torrentFile ? fromBase64Url(t.torrentFile) : undefined,
      })
    }
    if (bundle.history !== undefined) await ports.history?.import(bundle.history)
  } catch (cause) {
    throw new OpenPeerError('ERR_STORAGE', 'the transferred data could not be saved', { cause })
  }
  const stored: StoredIdentity = {
    keys,
    file: identity.file,
    contactId: peer.contactId,
    uri: peer.uri,
    locationId: LOCATION_ID.test(identity.locationId) ? identity.locationId : randomId(12),
    locationLabel: opts.label,
    devices: list(identity.devices).map((d) => ({ ...d, added: d.added || opts.now })),
  }
  if (await ports.keys.load())
    throw new OpenPeerError('ERR_CONFLICT', 'a profile appeared on this device meanwhile')
  try {
    await ports.keys.save(stored)
  } catch (cause) {
    throw new OpenPeerError('ERR_STORAGE', 'the identity could not be saved', { cause })
  }
  return stored
}
