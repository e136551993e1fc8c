/**
 * A Node Open Peer client inside a lab namespace, driven by its parent over IPC (one request,
 * one answer; see peers.ts). Run as `ip netns exec <ns> node --import tsx test/nat/peer.ts`.
 */
import { createHash, randomBytes } from 'node:crypto'
import Peer from '@thaunknown/simple-peer'
import WebSocket from 'ws'
import {
  createMemoryStores,
  createMemoryTorrentPorts,
  createOpenPeerClient,
  selectedPair,
  simplePeerFactory,
  type ClientEvents,
  type OpenPeerClient,
  type PeerLike,
  type PeerOptions,
  type SessionTimings,
  type SocketLike,
  type TorrentOffer,
} from '../../src/openpeer/index.ts'

export interface PeerInit {
  name: string
  /** the finder's domain (host:port) */
  domain: string
  /** the app origin, so the client bootstraps its http:// domain over http */
  origin: string
  relayOnly?: boolean
  /** session timings (the tunnel scenario shortens the ICE wait and the upgrade period) */
  timings?: Partial<SessionTimings>
}

export type Command =
  | { cmd: 'init'; args: PeerInit }
  | { cmd: 'invite' }
  | { cmd: 'accept'; args: { link: string } }
  | { cmd: 'send'; args: { to: string; body: string } }
  | { cmd: 'waitMessage'; args: { body: string } }
  | { cmd: 'share'; args: { to: string; size: number } }
  | { cmd: 'download'; args: { infoHash: string } }
  | { cmd: 'pair' }
  | { cmd: 'waitPath'; args: { path: string } }
  | { cmd: 'messages' }
  | { cmd: 'received' }
  | { cmd: 'stop' }

const WAIT = 60_000
let client: OpenPeerClient | undefined
const peers: PeerLike[] = []
/** every candidate line and SDP connection line the other side sent us */
const received: string[] = []
const messages: string[] = []
const offers = new Map<string, TorrentOffer>()

function until<K extends keyof ClientEvents>(
  type: K,
  pred: (e: ClientEvents[K]) => boolean,
  ms = WAIT,
): Promise<ClientEvents[K]> {
  const c = need()
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off()
      reject(new Error(`timed out waiting for ${String(type)}`))
    }, ms)
    const off = c.on(type, (e) => {
      if (!pred(e)) return
      clearTimeout(timer)
      off()
      resolve(e)
    })
  })
}

function need(): OpenPeerClient {
  if (!client) throw new Error('init first')
  return client
}

/** What the remote side told us about its addresses, as text. */
function record(data: unknown): void {
  const d = data as { candidate?: { candidate?: string }; sdp?: string }
  if (d.candidate?.candidate) received.push(d.candidate.candidate)
  for (const line of d.sdp?.split(/\r?\n/) ?? [])
    if (/^(a=candidate|c=)/.test(line)) received.push(line)
}

const nodePeer = simplePeerFactory(Peer)

function createPeer(opts: PeerOptions): PeerLike {
  // node-datachannel's polyfill writes turn:<user>:<pass>@host, and libdatachannel splits the
  // user at its first ':' (a REST username has one) unless it is percent-encoded.
  const iceServers = opts.config.iceServers.map((s) =>
    s.username && s.credential
      ? {
          ...s,
          username: encodeURIComponent(s.username),
          credential: encodeURIComponent(s.credential),
        }
      : s,
  )
  const peer = nodePeer({ ...opts, config: { ...opts.config, iceServers } })
  const signal = peer.signal.bind(peer)
  peer.signal = (data: unknown) => {
    record(data)
    signal(data)
  }
  peers.push(peer)
  return peer
}

/** A new client with a new identity; the one before (an earlier scenario's) is stopped. */
async function init(args: PeerInit): Promise<{ contactId: string }> {
  await client?.stop()
  client = undefined
  for (const list of [peers, received, messages]) list.length = 0
  offers.clear()
  const c = createOpenPeerClient(
    {
      ...createMemoryStores(),
      createSocket: (url) => new WebSocket(url) as unknown as SocketLike,
      createPeer,
      fetch: (url, init) => fetch(url, init),
      torrents: createMemoryTorrentPorts(),
    },
    {
      domain: args.domain,
      origin: args.origin,
      locationLabel: `lab ${args.name}`,
      relayOnly: args.relayOnly ?? false,
      finder: { minDelay: 100, maxDelay: 1_000 },
      torrents: { retryEvery: 500 },
      ...(args.timings ? { timings: args.timings } : {}),
    },
  )
  client = c
  c.on('message:received', (m) => messages.push(m.body))
  c.on('torrent:offer', (o) => offers.set(o.infoHash, o))
  await c.createIdentity(args.name)
  const online = until('finder:state', (e) => e.state === 'online')
  c.start()
  await online
  return { contactId: c.identity()!.contactId }
}

async function accept(link: string): Promise<{ contactId: string; ms: number }> {
  const t0 = performance.now()
  const view = await need().acceptInvite(link, { signal: AbortSignal.timeout(WAIT) })
  return { contactId: view.contactId, ms: performance.now() - t0 }
}

async function waitFor<T>(read: () => T | undefined, what: string): Promise<T> {
  const deadline = Date.now() + WAIT
  for (;;) {
    const value = read()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

async function share(to: string, size: number): Promise<{ infoHash: string; sha256: string }> {
  const torrents = need().torrents!
  const data = randomBytes(size)
  const info = await torrents.share(data, { name: `lab-${size}.bin` })
  await torrents.offer(to, info.infoHash)
  return { infoHash: info.infoHash, sha256: createHash('sha256').update(data).digest('hex') }
}

async function download(infoHash: string): Promise<{ sha256: string; ms: number }> {
  const torrents = need().torrents!
  const offer = await waitFor(() => offers.get(infoHash), 'the offer')
  const done = until('torrent:done', (v) => v.infoHash === infoHash, 120_000)
  const t0 = performance.now()
  await torrents.download(offer)
  await done
  const ms = performance.now() - t0
  const hash = createHash('sha256')
  const stream = torrents.stream(infoHash) as unknown as AsyncIterable<Uint8Array>
  for await (const chunk of stream) hash.update(chunk)
  return { sha256: hash.digest('hex'), ms }
}

async function pair() {
  const contact = await waitFor(
    () =>
      need()
        .contacts()
        .find((c) => c.state === 'connected' && c.path && c.path !== 'unknown'),
    'a connected contact with a known path',
  )
  // On the relay tunnel no WebRTC connection carries the session: there is no ICE pair.
  if (contact.path === 'tunnel') return { pair: undefined, contactPath: contact.path }
  const peer = await waitFor(
    () => peers.filter((p) => p.connected && !p.destroyed).at(-1),
    'a connected peer',
  )
  return { pair: await selectedPair(peer.connection), contactPath: contact.path }
}

async function handle(c: Command): Promise<unknown> {
  switch (c.cmd) {
    case 'init':
      return init(c.args)
    case 'invite':
      return need().inviteLink('http://lab.invalid')
    case 'accept':
      return accept(c.args.link)
    case 'send':
      return need().sendMessage(c.args.to, c.args.body)
    case 'waitMessage':
      return waitFor(() => (messages.includes(c.args.body) ? true : undefined), c.args.body)
    case 'share':
      return share(c.args.to, c.args.size)
    case 'download':
      return download(c.args.infoHash)
    case 'pair':
      return pair()
    case 'waitPath':
      return waitFor(
        () => (need().contacts()[0]?.path === c.args.path ? true : undefined),
        `path ${c.args.path}`,
      )
    case 'messages':
      return messages
    case 'received':
      return received
    case 'stop':
      await client?.stop()
      setTimeout(() => process.exit(0), 50)
      return true
  }
}

process.on('message', (msg: { id: number } & Command) => {
  handle(msg).then(
    (result) => process.send?.({ id: msg.id, ok: true, result }),
    (err: unknown) => process.send?.({ id: msg.id, ok: false, error: String(err) }),
  )
})
// The parent is gone: so are we.
process.on('disconnect', () => process.exit(0))
process.send?.({ ready: true })
