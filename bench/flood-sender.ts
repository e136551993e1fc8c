/**
 * The flood of bench:flood, in its own process (as an attacker's machines would be), so that
 * making and sending it does not slow the honest clients' own event loop. Sends `FLOOD_FRAMES`
 * over `FLOOD_SOCKETS` sockets to the finder URL in argv[2], then reports over IPC.
 */
import { randomBytes } from 'node:crypto'
import WebSocket from 'ws'
import {
  findRequestBody,
  makeContact,
  sessionCreateBody,
  type TestContact,
} from '../server/test-identity.ts'

const FRAMES = Number(process.env.FLOOD_FRAMES ?? 100_000)
const SOCKETS = Number(process.env.FLOOD_SOCKETS ?? 200)
/** frames per second per flood socket: the finder's per-socket budget */
const RATE = Number(process.env.FLOOD_RATE ?? 20)
/**
 * The flood tries for this long at most: with strikes, a junk sender is closed and its address
 * kept out, so it cannot push its whole quota through; what it managed is reported as sent.
 */
const MAX_MS = Number(process.env.FLOOD_MAX_MS ?? 40_000)
const DOMAIN = process.argv[3] ?? 'flood.test'
const JUNK_ONLY = process.env.FLOOD_JUNK_ONLY === '1'

/** like the library's ids: random bytes, base64url */
const randomId = (bytes = 16): string => randomBytes(bytes).toString('base64url')
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
// Made once: the flood should cost the finder, not this process.
const NOISE = randomBytes(1 << 16)
const NESTED = ['['.repeat(8000) + ']'.repeat(8000), '{"a":'.repeat(2600) + '1' + '}'.repeat(2600)]
const HUGE = '"' + 'f'.repeat(15_000) + '"'
/** The frames one flood socket sends, made as they go (so 100 000 are never all in memory). */
async function floodFrames(me: TestContact, sibling: TestContact, victim: TestContact) {
  const loc = `flood-${randomId(4)}`
  const junkSig = () => randomBytes(64).toString('base64url')
  const findWrong = (await findRequestBody(me, loc, victim, { findSecret: randomId() })).proof
  const findRight = (await findRequestBody(me, loc, sibling)).proof
  const create = (await sessionCreateBody(me, DOMAIN, loc)).proof
  const id = () => randomId(6)
  const randomJson = (depth: number): unknown => {
    const r = Math.random()
    if (depth > 3 || r < 0.3) return Math.random() < 0.5 ? Math.random() * 1e9 : randomId(8)
    if (r < 0.6) return Array.from({ length: 3 }, () => randomJson(depth + 1))
    return Object.fromEntries(Array.from({ length: 4 }, () => [randomId(3), randomJson(depth + 1)]))
  }
  const frames: ((n: number) => string | Buffer)[] = [
    // 0: a valid-looking find with a bad signature (every other one with the right secret)
    (n) =>
      JSON.stringify({
        v: 1,
        kind: 'request',
        type: 'peer-location-find',
        id: id(),
        proof: { ...(n % 16 ? findWrong : findRight), nonce: randomId(), sig: junkSig() },
      }),
    // 1: random bytes
    () => {
      const at = Math.floor(Math.random() * (NOISE.length - 2000))
      return NOISE.subarray(at, at + 1 + Math.floor(Math.random() * 2000))
    },
    // 2: random JSON
    () => JSON.stringify(randomJson(0)),
    // 3: deep nesting, arrays or objects, up to the 16 KiB frame
    (n) => NESTED[n % 2]!,
    // 4: a huge string in a known request
    () => `{"v":1,"kind":"request","type":"peer-file-get","id":"${id()}","contactId":${HUGE}}`,
    // 5: a valid-looking session-create with a bad signature
    () =>
      JSON.stringify({
        v: 1,
        kind: 'request',
        type: 'session-create',
        id: id(),
        proof: { ...create, nonce: randomId(), sig: junkSig() },
      }),
    // 6: a known type with a junk body
    () => JSON.stringify({ v: 1, kind: 'request', type: 'peer-location-find', id: id(), proof: 7 }),
    // 7: a signal for a context nobody opened
    () =>
      JSON.stringify({
        v: 1,
        kind: 'notify',
        type: 'peer-location-signal',
        id: id(),
        proof: {
          context: randomId(),
          from: loc,
          to: 'x',
          sealed: {},
          nonce: randomId(),
          expires: 1,
          sig: junkSig(),
        },
      }),
  ]
  return {
    loc,
    create: () => sessionCreateBody(me, DOMAIN, loc),
    // FLOOD_JUNK_ONLY=1: the same flood without the signed frames, to tell their share apart.
    frame: (n: number) => frames[JUNK_ONLY && (n % 8 === 0 || n % 8 === 5) ? 2 : n % 8]!(n),
  }
}

interface FloodStats {
  sent: number
  answered: Map<string, number>
  closes: Map<number, number>
  reconnects: number
}

async function floodSocket(
  url: string,
  i: number,
  quota: number,
  deadline: number,
  stats: FloodStats,
  frames: Awaited<ReturnType<typeof floodFrames>>,
) {
  const localAddress = `127.0.0.${i + 2}`
  let sent = 0
  while (sent < quota && performance.now() < deadline) {
    const ws = new WebSocket(url, { localAddress })
    ws.on('error', () => {})
    const opened = await new Promise<boolean>((resolve) => {
      ws.once('open', () => resolve(true))
      ws.once('close', () => resolve(false))
    })
    if (!opened) {
      await sleep(200)
      continue
    }
    ws.on('message', (data) => {
      const m = /"reason":"(ERR_[A-Z_]+)/.exec(data.toString())
      const code = m?.[1] ?? 'other'
      stats.answered.set(code, (stats.answered.get(code) ?? 0) + 1)
    })
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)))
    // Registered like anyone can be, so its finds get past "register first".
    ws.send(
      JSON.stringify({
        v: 1,
        kind: 'request',
        type: 'session-create',
        id: 'reg',
        ...(await frames.create()),
      }),
    )
    const t0 = performance.now()
    let open = true
    void closed.then((code) => {
      open = false
      stats.closes.set(code, (stats.closes.get(code) ?? 0) + 1)
    })
    let k = 0
    while (open && sent < quota && performance.now() < deadline) {
      // Paced at RATE per second from this socket's start.
      const due = t0 + (k * 1000) / RATE
      const wait = due - performance.now()
      if (wait > 0) await sleep(wait)
      if (!open) break
      ws.send(frames.frame(sent))
      sent++
      k++
      stats.sent++
    }
    if (open) {
      ws.close()
      await closed
    } else stats.reconnects++
  }
}

const url = process.argv[2]!
const identities = await Promise.all(
  Array.from({ length: SOCKETS }, (_, i) => makeContact(DOMAIN, `Flood ${i}`)),
)
const victim = await makeContact(DOMAIN, 'Victim')
const makers = await Promise.all(
  identities.map((me, i) => floodFrames(me, identities[(i + 1) % SOCKETS]!, victim)),
)
const stats: FloodStats = { sent: 0, answered: new Map(), closes: new Map(), reconnects: 0 }
const quota = Math.ceil(FRAMES / SOCKETS)
process.send!({ ready: true })
await new Promise((resolve) => process.once('message', resolve))
const t0 = performance.now()
await Promise.all(makers.map((m, i) => floodSocket(url, i, quota, t0 + MAX_MS, stats, m)))
process.send!({
  done: {
    ms: performance.now() - t0,
    sent: stats.sent,
    answered: [...stats.answered],
    closes: [...stats.closes],
    reconnects: stats.reconnects,
  },
})
process.disconnect()
