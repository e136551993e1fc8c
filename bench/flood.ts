/**
 * bench:flood — the finder under a flood, beside honest clients measured in the same run.
 *
 * 100 000 frames over 200 sockets from 200 loopback addresses (127.0.0.2 … 127.0.0.201, each
 * socket bound to its own): random bytes, random JSON, deep nesting, huge strings, junk bodies,
 * signals for nobody, and — one frame in eight each — a valid-looking find and a valid-looking
 * session-create with a bad signature. Half of those finds even carry a correct find secret proof
 * (for a sibling flood identity), so only the signature can refuse them. Each flood socket sends
 * at the finder's per-socket budget (20/s), so the flood is admitted, not merely refused.
 * Meanwhile honest clients (their own addresses, 127.0.1.x) keep finding each other and
 * registering again. Prints honest find latency p50/p99 without and during the flood, their
 * ratio (goal: p99 during ≤ 2× without), and the finder's RSS/heap at start, peak and after.
 * The finder runs in a child process, so its memory is its own.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { connect } from '../server/test-client.ts'
import { findRequestBody, makeContact, sessionCreateBody } from '../server/test-identity.ts'

const SOCKETS = Number(process.env.FLOOD_SOCKETS ?? 200) // (the flood itself: flood-sender.ts)
const PAIRS = Number(process.env.FLOOD_HONEST_PAIRS ?? 8)
/** each honest pair finds once per this many ms (within its socket's budget) */
const FIND_EVERY = 100
const QUIET_MS = Number(process.env.FLOOD_QUIET_MS ?? 8_000)
const DOMAIN = 'flood.test'

type Mem = { rss: number; heapUsed: number; lagP99?: number; lagMax?: number }
interface FloodReport {
  ms: number
  sent: number
  answered: [string, number][]
  closes: [number, number][]
  reconnects: number
}

function startFinder(): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(fileURLToPath(new URL('./flood-finder.ts', import.meta.url)), {
    execArgv: [
      '--expose-gc',
      '--import',
      'tsx',
      ...(process.env.FLOOD_PROF ? ['--cpu-prof', '--cpu-prof-dir=/tmp/sec/prof'] : []),
    ],
  })
  return new Promise((resolve, reject) => {
    child.once('error', reject)
    child.once('message', (m: { port: number }) => resolve({ child, port: m.port }))
  })
}

function ask<T>(child: ChildProcess, what: string, key: string): Promise<T> {
  return new Promise((resolve) => {
    const on = (m: Record<string, unknown>) => {
      if (!(key in m)) return
      child.off('message', on)
      resolve(m[key] as T)
    }
    child.on('message', on)
    child.send(what)
  })
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

function quantile(xs: number[], q: number): number {
  if (!xs.length) return NaN
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!
}

/** One honest pair: a target that stays, and an initiator that finds it and re-registers. */
async function honestPair(url: string, k: number) {
  const localAddress = `127.0.1.${k + 1}`
  const target = await makeContact(DOMAIN, `Target ${k}`)
  const me = await makeContact(DOMAIN, `Finder ${k}`)
  const t = await connect(url, { localAddress })
  await t.request('session-create', await sessionCreateBody(target, DOMAIN, `t${k}`))
  let socket = await connect(url, { localAddress })
  await socket.request('session-create', await sessionCreateBody(me, DOMAIN, `i${k}`))
  const latencies: { at: number; ms: number; ok: boolean }[] = []
  const registers: number[] = []
  let refused = 0
  const failures: string[] = []
  let stop = false
  const run = (async () => {
    for (let n = 1; !stop; n++) {
      const next = sleep(FIND_EVERY)
      const body = await findRequestBody(me, `i${k}`, target)
      const t0 = performance.now()
      const res = await socket.request('peer-location-find', body).catch(() => undefined)
      latencies.push({ at: Date.now(), ms: performance.now() - t0, ok: !!res && !res.error })
      if (!res || res.error)
        failures.push(
          `${res?.error?.reason.slice(0, 40) ?? 'no answer in 3 s'} at ${new Date().toISOString().slice(17, 23)}`,
        )
      // Drain the fork the target got, so nothing piles up in this process.
      t.frames.length = 0
      if (n % 20 === 0) {
        // Keep registering: the same location from a new socket (a reload).
        // A refused registration is retried, as the client does (after a short backoff).
        const fresh = await connect(url, { localAddress })
        const r0 = performance.now()
        for (;;) {
          const res = await fresh
            .request('session-create', await sessionCreateBody(me, DOMAIN, `i${k}`))
            .catch(() => undefined)
          if (res && !res.error) break
          refused += 1
          await sleep(50)
        }
        registers.push(performance.now() - r0)
        const old = socket
        socket = fresh
        void old.close()
      }
      await next
    }
  })()
  return {
    latencies,
    registers,
    refused: () => refused,
    failures,
    async stop() {
      stop = true
      await run
      await Promise.all([t.close(), socket.close()])
    },
  }
}

export async function benchFlood(): Promise<{ ratio: number }> {
  const { child, port } = await startFinder()
  const url = `ws://127.0.0.1:${port}/finder`
  try {
    const start = await ask<Mem>(child, 'mem', 'mem')
    const pairs = await Promise.all(Array.from({ length: PAIRS }, (_, k) => honestPair(url, k)))
    await sleep(QUIET_MS)

    const sender = fork(
      fileURLToPath(new URL('./flood-sender.ts', import.meta.url)),
      [url, DOMAIN],
      { execArgv: ['--import', 'tsx'] },
    )
    await new Promise((resolve) => sender.once('message', resolve)) // its identities are made
    const finished = new Promise<FloodReport>((resolve) =>
      sender.on('message', (m: { done?: FloodReport }) => m.done && resolve(m.done)),
    )
    const floodAt = Date.now()
    await ask(child, 'reset-peak', 'reset')
    sender.send('go')
    const report = await finished
    const floodEnd = Date.now()
    const peak = await ask<Mem>(child, 'peak', 'peak')
    await sleep(1_000)
    for (const p of pairs) await p.stop()
    await sleep(1_000)
    const after = await ask<Mem>(child, 'mem', 'mem')

    const all = pairs.flatMap((p) => p.latencies)
    const quiet = all.filter((l) => l.at < floodAt)
    const during = all.filter((l) => l.at >= floodAt && l.at <= floodEnd)
    const row = (name: string, xs: typeof all) =>
      `  ${name.padEnd(28)} n=${String(xs.length).padStart(5)}  failed ${String(xs.filter((l) => !l.ok).length).padStart(4)}  p50 ${quantile(
        xs.map((l) => l.ms),
        0.5,
      )
        .toFixed(1)
        .padStart(7)} ms  p99 ${quantile(
        xs.map((l) => l.ms),
        0.99,
      )
        .toFixed(1)
        .padStart(7)} ms`
    const p99q = quantile(
      quiet.map((l) => l.ms),
      0.99,
    )
    const p99f = quantile(
      during.map((l) => l.ms),
      0.99,
    )
    const ratio = p99f / p99q
    const mb = (n: number) => `${(n / 1048576).toFixed(1)} MB`
    const regs = pairs.flatMap((p) => p.registers)
    console.log(
      `bench:flood (${report.sent} frames over ${SOCKETS} sockets from ${SOCKETS} addresses in ${(report.ms / 1000).toFixed(1)} s; ${PAIRS} honest pairs, a find each per ${FIND_EVERY} ms)`,
    )
    console.log(row('honest find, no flood', quiet))
    console.log(row('honest find, during flood', during))
    console.log(`  p99 during / p99 without     ${ratio.toFixed(2)}×   (goal ≤ 2×)`)
    console.log(
      `  honest re-registration      n=${regs.length}  p50 ${quantile(regs, 0.5).toFixed(1)} ms  p99 ${quantile(regs, 0.99).toFixed(1)} ms  (retries after a refusal: ${pairs.reduce((n, p) => n + p.refused(), 0)})`,
    )
    console.log(
      `  flood from ${new Date(floodAt).toISOString().slice(17, 23)} to ${new Date(floodEnd).toISOString().slice(17, 23)}; finder event-loop delay during it: p99 ${peak.lagP99} ms, max ${peak.lagMax} ms`,
    )
    const why = pairs.flatMap((p) => p.failures)
    if (why.length) console.log(`  honest finds failed: ${why.join('; ')}`)
    console.log(
      `  flood answers: ${report.answered
        .sort((a, b) => b[1] - a[1])
        .map(([c, n]) => `${c} ${n}`)
        .join(', ')}`,
    )
    console.log(
      `  flood sockets closed by the finder: ${report.closes.map(([c, n]) => `${c}×${n}`).join(', ') || 'none'}; reconnects ${report.reconnects}`,
    )
    console.log(
      `  finder memory: start rss ${mb(start.rss)} heap ${mb(start.heapUsed)}; peak rss ${mb(peak.rss)} heap ${mb(peak.heapUsed)}; after (gc) rss ${mb(after.rss)} heap ${mb(after.heapUsed)}`,
    )
    return { ratio }
  } finally {
    child.send('close')
    await new Promise((r) => child.once('exit', r))
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  benchFlood().catch((err: unknown) => {
    console.error(err)
    process.exit(1)
  })
}
