import { OpenPeerError } from '../errors.ts'
import { DEVICE_LINK_TTL, parseDeviceLink } from '../identity/device-link.ts'
import { keysMovable } from '../identity/keys.ts'
import { checkDisplayName } from '../identity/peer-file.ts'
import { createMemoryStores } from '../memory.ts'
import type { ClientPorts, StoredIdentity } from '../ports.ts'
import { packBundle, unpackBundle } from '../devices/bundle.ts'
import { DeviceLinker } from '../devices/linker.ts'
import { joinDevice } from '../devices/joiner.ts'
import type { OpenPeerClient } from './client.ts'
import type { OpenPeerClientOptions } from './types.ts'

/** What linking and joining need from the client that asks. */
export interface DeviceDeps {
  ports: ClientPorts
  opts: OpenPeerClientOptions
  /** makes a client (the class itself: passed in, so this module need not import it) */
  makeClient: (ports: ClientPorts, opts: OpenPeerClientOptions) => OpenPeerClient
  now: () => number
}

/**
 * A throwaway client with a fresh identity in memory, on the host's network ports: the face of
 * a device link on either side. Nothing of it is stored; it registers while started only.
 */
async function throwaway(
  deps: DeviceDeps,
  domain: string,
  name: string,
  signal: AbortSignal | undefined,
): Promise<{ client: OpenPeerClient; keys: () => Promise<StoredIdentity | undefined> }> {
  const stores = createMemoryStores()
  const { ports } = deps
  const client = deps.makeClient(
    {
      ...stores,
      createSocket: ports.createSocket,
      createPeer: ports.createPeer,
      fetch: ports.fetch,
      ...(ports.now ? { now: ports.now } : {}),
    },
    {
      ...deps.opts,
      domain,
      locationLabel: 'device link',
      // The throwaway is met only through the link; nobody may introduce anyone to it.
      acceptIntroductions: false,
    },
  )
  await client.createIdentity(name)
  client.start()
  try {
    await client.online({ signal, timeout: 20_000 })
  } catch (err) {
    await client.stop()
    throw err
  }
  return { client, keys: () => stores.keys.load() }
}

/**
 * "Link a device": a one-time link to a throwaway identity at our home finder. Refuses a
 * profile whose keys cannot move (ERR_KEYS_LOCKED) before anything is registered.
 */
export async function linkDevice(
  deps: DeviceDeps,
  me: () => StoredIdentity,
  remember: (device: { locationId: string; label: string }) => Promise<void>,
  opts: { origin: string; ttl?: number; signal?: AbortSignal },
): Promise<DeviceLinker> {
  if (!keysMovable(me().keys))
    throw new OpenPeerError(
      'ERR_KEYS_LOCKED',
      'this profile was created before device linking: its keys cannot leave this browser',
    )
  const { client } = await throwaway(deps, me().file.A.domain, 'Device link', opts.signal)
  return new DeviceLinker({
    client,
    origin: opts.origin,
    expires: deps.now() + (opts.ttl ?? DEVICE_LINK_TTL),
    now: deps.now,
    bundle: (newcomer) => packBundle(deps.ports, me(), newcomer),
    linked: remember,
  })
}

/**
 * Opens a device link on a device with no identity yet: resolves with the transferred
 * identity, stored. ERR_CONFLICT (nothing touched) when this device has an identity already,
 * ERR_LINK_EXPIRED for an old link, ERR_LINK_USED / ERR_LINK_DECLINED from the linked device.
 */
export async function joinWithLink(
  deps: DeviceDeps,
  text: string,
  opts: {
    name: string
    onCode?: (code: string) => void
    signal?: AbortSignal
  },
): Promise<StoredIdentity> {
  const link = parseDeviceLink(text)
  if (await deps.ports.keys.load())
    throw new OpenPeerError(
      'ERR_CONFLICT',
      'this device has a profile already: it was left as it is (a device link makes a new device)',
    )
  if (deps.now() > link.expires)
    throw new OpenPeerError('ERR_LINK_EXPIRED', 'this device link has expired: make a new one')
  const name = checkDisplayName(opts.name)
  const { client, keys } = await throwaway(deps, link.domain, name, opts.signal)
  let stored: StoredIdentity | undefined
  try {
    const own = await keys()
    if (!own) throw new OpenPeerError('ERR_INTERNAL', 'the throwaway has no keys')
    await joinDevice({
      client,
      boxKey: own.keys.box.privateKey,
      link,
      name,
      onCode: opts.onCode,
      signal: opts.signal,
      now: deps.now,
      adopt: async (bundle) => {
        stored = await unpackBundle(deps.ports, bundle, { label: name, now: deps.now() })
      },
    })
  } finally {
    await client.stop()
  }
  if (!stored) throw new OpenPeerError('ERR_INTERNAL', 'joined without an identity')
  return stored
}
