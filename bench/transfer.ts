/**
 * bench:transfer — file transfer between two Node clients over one real peer session:
 * a raw datachannel (ChannelDuplex with a trivial sender and receiver: the same 64 KiB chunks
 * and send-queue backpressure) next to WebTorrent on a datachannel (TorrentService), same run,
 * same session. Prints MB/s of each and their ratio (goal ≥ 0.8), the chat round trip measured
 * during the WebTorrent transfer, and the JS heap growth while a big file (1 GiB by default)
 * moves through fs-chunk-store on both sides.
 *
 * Env: BENCH_TRANSFER_MB (100) · BENCH_TRANSFER_BIG_MB (1024; 0 skips) · BENCH_RUNS (1) ·
 * BENCH_SEND_HIGH_KB / BENCH_SEND_LOW_KB (send-queue marks) · BENCH_PIECE_KB (piece length).
 */
import { randomBytes } from 'node:crypto'
import { createWriteStream, openAsBlob } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance as nodePerformance } from 'node:perf_hooks'
import FSChunkStore from 'fs-chunk-store'
import {
  ChannelDuplex,
  createMemoryTorrentPorts,
  SEND_QUEUE,
  type ChunkStoreFactory,
  type OpenPeerClient,
  type TorrentPorts,
  type TorrentService,
} from '../src/openpeer/index.ts'
import { makeClient, startFinder, until } from '../test/node/harness.ts'

const MiB = 1024 * 1024
const MB = Number(process.env.BENCH_TRANSFER_MB ?? 100)
const BIG_MB = Number(process.env.BENCH_TRANSFER_BIG_MB ?? 1024)
const RUNS = Number(process.env.BENCH_RUNS ?? 1)
const SEND = {
  high: Number(process.env.BENCH_SEND_HIGH_KB ?? SEND_QUEUE.high / 1024) * 1024,
  low: Number(process.env.BENCH_SEND_LOW_KB ?? SEND_QUEUE.low / 1024) * 1024,
}
const PIECE = process.env.BENCH_PIECE_KB ? Number(process.env.BENCH_PIECE_KB) * 1024 : undefined

type Sharer = OpenPeerClient & { torrents: TorrentService }

async function sharer(name: string, domain: string, torrents: TorrentPorts): Promise<Sharer> {
  return (await makeClient(name, domain, { torrents }, { torrents: { sendQueue: SEND } })) as Sharer
}

/** What the raw baseline uses of a peer session, which the client keeps to itself. */
interface PeerSession {
  readonly remoteContactId: string
  readonly state: string
  allocateChannelId(): number
  openChannel(id: number, label: string): RTCDataChannel
}

/** The open session between two clients (the bench reaches past the facade on purpose). */
function sessionOf(client: OpenPeerClient, peer: OpenPeerClient): PeerSession {
  const s = findSession(client, peer)
  if (!s) throw new Error('no session')
  return s
}

function findSession(client: OpenPeerClient, peer: OpenPeerClient): PeerSession | undefined {
  const all = (client as unknown as { sessions: { all(): PeerSession[] } }).sessions.all()
  return all.find((x) => x.remoteContactId === peer.identity()?.contactId && x.state === 'open')
}

/**
 * The session of this run: on a heavily loaded machine a session can time out between runs and
 * the clients connect again, so each run looks it up (waiting up to 60 s for the new one).
 */
async function currentSession(client: OpenPeerClient, peer: OpenPeerClient): Promise<PeerSession> {
  const deadline = Date.now() + 60_000
  for (;;) {
    const s = findSession(client, peer)
    if (s) return s
    if (Date.now() > deadline) throw new Error('no open session after 60 s')
    await new Promise((r) => setTimeout(r, 200))
  }
}

/** Raw baseline: 64 KiB writes into one duplex, counted out of the other. Returns ms. */
async function raw(from: PeerSession, to: PeerSession, bytes: number): Promise<number> {
  const id = from.allocateChannelId()
  const rx = new ChannelDuplex(to.openChannel(id, 'bench:raw'), {
    id: 'rx',
    connect: 'first-message',
    sendQueue: SEND,
  })
  const tx = new ChannelDuplex(from.openChannel(id, 'bench:raw'), {
    id: 'tx',
    connect: 'open',
    sendQueue: SEND,
  })
  let got = 0
  // A session that closes mid-run (a loaded machine) fails the run instead of the process.
  const done = new Promise<void>((resolve, reject) => {
    rx.on('data', (chunk: Uint8Array) => {
      got += chunk.length
      if (got >= bytes) resolve()
    })
    for (const d of [rx, tx]) d.on('error', reject)
  })
  done.catch(() => {}) // awaited below
  const chunk = randomBytes(64 * 1024)
  const t0 = performance.now()
  for (let sent = 0; sent < bytes && !tx.destroyed; sent += chunk.length) {
    if (!tx.write(chunk)) await drainOrClose(tx)
  }
  await done
  const ms = performance.now() - t0
  tx.destroy()
  rx.destroy()
  return ms
}

/** Waits for the duplex's 'drain' or 'close', leaving no listener behind (one a wait piled up). */
function drainOrClose(d: ChannelDuplex): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      d.removeListener('drain', done)
      d.removeListener('close', done)
      resolve()
    }
    d.once('drain', done)
    d.once('close', done)
  })
}

/** Chat round trips (send → delivered receipt) one after another until `stop` resolves. */
async function chatWhile(from: OpenPeerClient, to: OpenPeerClient, stop: Promise<unknown>) {
  const rtts: number[] = []
  let stopped = false
  void stop.then(() => (stopped = true))
  const waiting = new Map<string, () => void>()
  const off = from.on('message:state', (s) => {
    if (s.state === 'delivered') waiting.get(s.msgId)?.()
  })
  const toId = to.identity()!.contactId
  while (!stopped) {
    const t0 = performance.now()
    let ack: () => void = () => {}
    const delivered = new Promise<void>((r) => (ack = r))
    const item = await from.sendMessage(toId, `ping ${rtts.length}`)
    waiting.set(item.msgId, ack)
    await delivered
    rtts.push(performance.now() - t0)
    await new Promise((r) => setTimeout(r, 20))
  }
  off()
  return rtts
}

/** Peak heap growth over a baseline while `work` runs (sampled every 20 ms). */
async function heapDuring<T>(
  work: () => Promise<T>,
): Promise<{ result: T; heap: number; external: number }> {
  ;(globalThis as { gc?: () => void }).gc?.()
  const base = process.memoryUsage()
  let heap = 0
  let external = 0
  const timer = setInterval(() => {
    const m = process.memoryUsage()
    heap = Math.max(heap, m.heapUsed - base.heapUsed)
    external = Math.max(external, m.arrayBuffers - base.arrayBuffers)
  }, 20)
  try {
    return { result: await work(), heap, external }
  } finally {
    clearInterval(timer)
  }
}

async function webtorrent(alice: Sharer, bob: Sharer, data: Blob | Uint8Array, name: string) {
  const t0 = performance.now()
  const info = await alice.torrents.share(data, { name, ...(PIECE ? { pieceLength: PIECE } : {}) })
  const seedMs = performance.now() - t0
  const done = until(bob, 'torrent:done', (v) => v.infoHash === info.infoHash, 600_000)
  const t1 = performance.now()
  const elu0 = nodePerformance.eventLoopUtilization()
  await bob.torrents.download(info)
  const rtts = chatWhile(bob, alice, done)
  await done
  const ms = performance.now() - t1
  const elu = nodePerformance.eventLoopUtilization(elu0).utilization
  return { ms, seedMs, rtts: await rtts, info, elu }
}

function fsStore(dir: string): ChunkStoreFactory {
  const Base = FSChunkStore as unknown as ChunkStoreFactory
  return class extends Base {
    constructor(chunkLength: number, opts: ConstructorParameters<ChunkStoreFactory>[1]) {
      super(chunkLength, { ...opts, path: dir })
    }
  }
}

async function randomFile(path: string, mb: number): Promise<void> {
  const out = createWriteStream(path)
  for (let i = 0; i < mb; i++) {
    if (!out.write(randomBytes(MiB))) await new Promise<void>((r) => out.once('drain', () => r()))
  }
  await new Promise<void>((resolve, reject) => {
    out.once('error', reject)
    out.end(() => resolve())
  })
}

const rate = (bytes: number, ms: number): number => bytes / MiB / (ms / 1000)
const median = (xs: number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN
const f1 = (n: number): string => n.toFixed(1)

/** Node: raw datachannel vs WebTorrent on a session (`npm run bench:transfer`, or `npm run bench`). */
export async function benchTransfer(): Promise<void> {
  const { server, domain } = await startFinder()
  const alice = await sharer('Alice', domain, createMemoryTorrentPorts())
  const bob = await sharer('Bob', domain, createMemoryTorrentPorts())
  const seen = until(alice, 'contact:state', (v) => v.state === 'connected')
  await bob.acceptInvite(alice.inviteLink('http://bench.test'))
  await seen
  // Carol, a contact of both, downloads each file once Alice and Bob both have it (the swarm).
  const carol = await sharer('Carol', domain, createMemoryTorrentPorts())
  for (const host of [alice, bob]) {
    const met = until(host, 'contact:state', (v) => v.state === 'connected')
    await carol.acceptInvite(host.inviteLink('http://bench.test'))
    await met
  }
  console.log(`bench:transfer — ${MB} MiB, send queue ${SEND.high / 1024}/${SEND.low / 1024} KiB`)
  await raw(sessionOf(alice, bob), sessionOf(bob, alice), 16 * MiB) // a fresh SCTP association starts slowly: warm it up first
  const idle = await chatWhile(bob, alice, new Promise((r) => setTimeout(r, 500)))
  console.log(
    `chat round trip with no transfer: median ${f1(median(idle))} ms (${idle.length} messages)`,
  )

  for (let run = 1; run <= RUNS; run++) {
    const [a, b] = [await currentSession(alice, bob), await currentSession(bob, alice)]
    const rawRun = raw(a, b, MB * MiB)
    const rawRtts = await chatWhile(bob, alice, rawRun)
    const rawMs = await rawRun
    // The same bytes over two channels of the session at once.
    const t2 = performance.now()
    await Promise.all([raw(a, b, (MB * MiB) / 2), raw(a, b, (MB * MiB) / 2)])
    const rawTwoMs = performance.now() - t2
    const data = randomBytes(MB * MiB)
    const wt = await webtorrent(alice, bob, data, `bench-${run}.bin`)
    const rawRate = rate(MB * MiB, rawMs)
    const wtRate = rate(MB * MiB, wt.ms)
    console.log(
      `run ${run}: raw datachannel ${f1(rawRate)} MB/s · WebTorrent on datachannel ` +
        `${f1(wtRate)} MB/s (pieces of ${await pieceKb(alice, wt.info.infoHash)} KiB; hashing ` +
        `to seed took ${f1(wt.seedMs)} ms) · ` +
        `ratio ${(wtRate / rawRate).toFixed(2)} (goal ≥ 0.8); event loop busy ${Math.round(wt.elu * 100)} %`,
    )
    console.log(
      `  chat round trip during the raw transfer: median ${f1(median(rawRtts))} ms; ` +
        `during the WebTorrent transfer: median ${f1(median(wt.rtts))} ms, ` +
        `max ${f1(Math.max(...wt.rtts))} ms (${wt.rtts.length} messages)`,
    )
    const swarmDone = until(carol, 'torrent:done', (v) => v.infoHash === wt.info.infoHash, 600_000)
    const t3 = performance.now()
    await carol.torrents.download(wt.info)
    await swarmDone
    const swarmRate = rate(MB * MiB, performance.now() - t3)
    const fromBob = (carol.torrents.wireStats(wt.info.infoHash) ?? [])
      .filter((w) => w.contactId === bob.identity()?.contactId)
      .reduce((n, w) => n + w.bytesIn, 0)
    console.log(
      `  parallel paths: raw over two channels at once ${f1(rate(MB * MiB, rawTwoMs))} MB/s ` +
        `(ratio ${(rate(MB * MiB, rawTwoMs) / rawRate).toFixed(2)} to one channel); Carol from ` +
        `Alice and Bob at once ${f1(swarmRate)} MB/s (ratio ${(swarmRate / rawRate).toFixed(2)} ` +
        `to one raw channel; ${Math.round((fromBob / (MB * MiB)) * 100)} % from Bob)`,
    )
    for (const c of [alice, bob, carol]) await c.torrents.remove(wt.info.infoHash)
  }
  await alice.stop()
  await bob.stop()
  await carol.stop()

  if (BIG_MB > 0) {
    const dir = await mkdtemp(join(tmpdir(), 'bench-transfer-'))
    try {
      const path = join(dir, 'big.bin')
      await randomFile(path, BIG_MB)
      const big1 = await sharer('Big Alice', domain, {
        ...createMemoryTorrentPorts(),
        store: fsStore(join(dir, 'alice')),
      })
      const big2 = await sharer('Big Bob', domain, {
        ...createMemoryTorrentPorts(),
        store: fsStore(join(dir, 'bob')),
      })
      const met = until(big1, 'contact:state', (v) => v.state === 'connected')
      await big2.acceptInvite(big1.inviteLink('http://bench.test'))
      await met
      const blob = await openAsBlob(path)
      const seed = await heapDuring(() =>
        big1.torrents.share(blob, { name: 'big.bin', ...(PIECE ? { pieceLength: PIECE } : {}) }),
      )
      const info = seed.result
      const done = until(big2, 'torrent:done', (v) => v.infoHash === info.infoHash, 1_800_000)
      const t0 = performance.now()
      const move = await heapDuring(async () => {
        await big2.torrents.download(info)
        await done
      })
      const ms = performance.now() - t0
      console.log(
        `${BIG_MB} MiB through fs-chunk-store: ${f1(rate(BIG_MB * MiB, ms))} MB/s · peak JS heap growth ` +
          `${f1(seed.heap / MiB)} MiB while seeding, ${f1(move.heap / MiB)} MiB while transferring ` +
          `(ArrayBuffers: ${f1(seed.external / MiB)} / ${f1(move.external / MiB)} MiB)`,
      )
      await big1.stop()
      await big2.stop()
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  }
  await server.close()
}

async function pieceKb(client: Sharer, infoHash: string): Promise<number> {
  const engine = await client.torrents.engineForTests
  return (engine?.torrents.find((t) => t.infoHash === infoHash)?.pieceLength ?? NaN) / 1024
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await benchTransfer()
  process.exit(0)
}
