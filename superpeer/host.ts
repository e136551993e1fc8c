import { hostname } from 'node:os'
import Peer from '@thaunknown/simple-peer'
import WebSocket from 'ws'
import {
  OpenPeerError,
  createOpenPeerClient,
  parseDeviceLink,
  simplePeerFactory,
  type OpenPeerClient,
  type SocketLike,
} from '../src/openpeer/index.ts'
import { openDiskStores, type DiskStores } from './disk.ts'
import { serveWebSeeds } from './webseed.ts'

/*
 * The super-peer (SUPeer's always-on peer): a Node location of its owner's identity, running
 * the same library as the browser with real WebRTC (node-datachannel through simple-peer), its
 * state on disk. It holds messages for the owner's browsers, and seeds what it was asked to
 * keep — to contacts over sessions, and the public files to stock BitTorrent clients.
 */

export interface SuperPeerOptions {
  /** the data directory (created if missing) */
  data: string
  /**
   * a device link from the owner's device: the first run joins the identity through it (the
   * owner compares the printed code and approves); later runs resume from `data` alone
   */
  link?: string | undefined
  /** the owner approves within the link's life; abort to give up */
  signal?: AbortSignal | undefined
  /** this location's label, shown to the owner in "Devices" */
  name?: string | undefined
  /** classic BitTorrent port for public files (SUPeer: 6888); 0 picks a free one */
  btPort?: number | undefined
  /** HTTP port of the web seed for public files (superpeer/webseed.ts); absent: none */
  httpPort?: number | undefined
  /** the address the web seed listens on (default: every interface) */
  host?: string | undefined
  /** the app's origin, so a loopback or LAN finder is reached over its own scheme */
  origin?: string | undefined
  /** one line per event that matters */
  log?: (line: string) => void
}

export interface SuperPeer {
  client: OpenPeerClient
  stores: DiskStores
  /** the web seed's base URL, when it serves one */
  webSeed: string | undefined
  stop(): Promise<void>
}

const peer = simplePeerFactory(Peer)

/** Resumes the identity kept in `data` and goes online; a clear error if there is none. */
export async function startSuperPeer(opts: SuperPeerOptions): Promise<SuperPeer> {
  const log = opts.log ?? ((line: string) => console.log(line))
  const stores = await openDiskStores(opts.data)
  const stored = await stores.keys.load()
  if (stored && opts.link) {
    throw new OpenPeerError(
      'ERR_CONFLICT',
      `${opts.data} holds ${stored.file.C.name}'s identity already: run it with --data alone (a device link makes a new device; nothing was changed)`,
    )
  }
  if (!stored && !opts.link) {
    throw new OpenPeerError(
      'ERR_NOT_FOUND',
      `${opts.data} holds no identity: link this super-peer to a device first (--link)`,
    )
  }
  const label = opts.name ?? stored?.locationLabel ?? 'super-peer'
  const domain = stored ? stored.file.A.domain : parseDeviceLink(opts.link ?? '').domain
  const client = createOpenPeerClient(
    {
      keys: stores.keys,
      contacts: stores.contacts,
      outbox: stores.outbox,
      inbox: stores.inbox,
      torrents: stores.torrents,
      createSocket: (url) => new WebSocket(url) as unknown as SocketLike,
      createPeer: (o) => peer(o),
      fetch: (url, init) => fetch(url, init),
      history: stores.history,
    },
    {
      domain,
      origin: opts.origin,
      locationLabel: label,
      // no screen: it never says a message was read
      screen: false,
      ...(opts.btPort !== undefined ? { torrents: { bt: { port: opts.btPort } } } : {}),
    },
  )
  const info = opts.link
    ? await client.joinDevice(opts.link, {
        name: label,
        signal: opts.signal,
        onCode: (code) =>
          log(`code ${code}: check that your device shows the same, then approve "${label}" there`),
      })
    : await client.load()
  if (!info) throw new OpenPeerError('ERR_STORAGE', `${opts.data}: the identity did not load`)
  follow(client, log)
  // What it holds for its owner survives restarts and goes to the owner's devices.
  client.on(
    'message:received',
    (m) =>
      void stores.history
        .add({ dir: 'in', contactId: m.contactId, msgId: m.msgId, body: m.body, sent: m.sent })
        .catch((err: unknown) => log(`cannot keep a message: ${(err as Error).message}`)),
  )
  client.on(
    'message:sent',
    (m) =>
      void stores.history
        .add({ dir: 'out', contactId: m.contactId, msgId: m.msgId, body: m.body, sent: m.sent })
        .catch((err: unknown) => log(`cannot keep a message: ${(err as Error).message}`)),
  )
  client.start()
  log(`super-peer of ${info.name} (${info.uri}), location "${label}"`)
  const web =
    opts.httpPort !== undefined && client.torrents
      ? await serveWebSeeds(client.torrents, { port: opts.httpPort, host: opts.host }).catch(
          async (err: unknown) => {
            await client.stop()
            throw err
          },
        )
      : undefined
  if (web) log(`web seed for public files: ${web.url}`)
  // A public file's link for stock BitTorrent clients, once it is complete here.
  client.on('torrent:done', (v) => {
    if (!v.public || !client.torrents) return
    client.torrents
      .publicMagnet(v.infoHash, opts.host ?? hostname(), { webSeedBase: web?.url })
      .then((magnet) => log(`public: ${v.name} ${magnet}`))
      .catch(() => undefined)
  })
  return {
    client,
    stores,
    webSeed: web?.url,
    stop: async () => {
      await web?.close()
      await client.stop()
      log('stopped')
    },
  }
}

/** The events an operator wants in a log: one line each, no message text (it is private). */
function follow(client: OpenPeerClient, log: (line: string) => void): void {
  const name = (id: string): string =>
    client.contacts().find((c) => c.contactId === id)?.name ?? id.slice(0, 8)
  client.on('finder:state', (e) => log(`finder ${e.domain}: ${e.state}`))
  client.on('session:open', (e) => log(`session open: ${name(e.contactId)}`))
  client.on('session:closed', (e) =>
    log(`session closed: ${name(e.contactId)}${e.error ? ` (${e.error.code})` : ''}`),
  )
  client.on('message:received', (m) => log(`message held from ${name(m.contactId)}`))
  client.on('torrent:done', (t) => log(`file complete: ${t.name} (${t.size} bytes)`))
  client.on('torrent:error', (e) => log(`file ${e.infoHash.slice(0, 8)}: ${e.error.message}`))
  client.on('security:alert', (e) => log(`SECURITY ${e.error.code}: ${e.error.message}`))
  client.on('client:error', (e) => log(`error during ${e.during}: ${e.error.message}`))
  client.on('device:state', (d) => log(`device ${d.label}: ${d.state}`))
  client.on('identity:removed', () =>
    log('removed by its owner: its copy of the identity is deleted'),
  )
}
