import { OpenPeerError } from '../errors.ts'
import { fromBase64Url, randomId, toBase64Url } from '../identity/encoding.ts'
import { exportIdentity, importIdentity, type PortableIdentity } from '../identity/portable.ts'
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
  /**
   * The identity with its private keys (identity/portable.ts), under the new device's own
   * location id, chosen by the linked device so both know it
   */
  identity: PortableIdentity
  /** the linking device itself, and every device it knows */
  devices: DeviceRecord[]
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
  const portable = await exportIdentity(me)
  const [contacts, outbox, torrents, history] = await Promise.all([
    ports.contacts.list(),
    ports.outbox.list(),
    ports.torrents?.records.list() ?? [],
    ports.history?.export(),
  ])
  const self: DeviceRecord = { locationId: me.locationId, label: me.locationLabel, added: 0 }
  return {
    v: 1,
    identity: { ...portable, locationId: newcomer.locationId, locationLabel: '' },
    devices: [self, ...(me.devices ?? []).filter((d) => d.locationId !== newcomer.locationId)],
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
  if (!bundle || bundle.v !== 1 || typeof bundle.identity !== 'object' || !bundle.identity)
    throw new OpenPeerError('ERR_BAD_MESSAGE', 'the device transfer is not a v1 bundle')
  if (await ports.keys.load())
    throw new OpenPeerError(
      'ERR_CONFLICT',
      'this device has a profile already: it was left as it is (remove it first to link)',
    )
  // Checked there: a genuine peer file, and the keys it names.
  const identity = await importIdentity(bundle.identity, 'the device transfer')
  const list = <T>(v: T[] | undefined): T[] => (Array.isArray(v) ? v : [])
  try {
    for (const c of list(bundle.contacts)) await ports.contacts.put(c)
    for (const item of list(bundle.outbox)) await ports.outbox.put(item)
    for (const t of list(bundle.torrents)) {
      await ports.torrents?.records.put({
        ...t,
        torrentFile: t.torrentFile ? fromBase64Url(t.torrentFile) : undefined,
        // The pieces do not come along: here the file completes (and says so) when fetched.
        completed: undefined,
      })
    }
    if (bundle.history !== undefined) await ports.history?.import(bundle.history)
  } catch (cause) {
    throw new OpenPeerError('ERR_STORAGE', 'the transferred data could not be saved', { cause })
  }
  const stored: StoredIdentity = {
    ...identity,
    locationId: LOCATION_ID.test(identity.locationId) ? identity.locationId : randomId(12),
    locationLabel: opts.label,
    devices: list(bundle.devices).map((d) => ({ ...d, added: d.added || opts.now })),
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
