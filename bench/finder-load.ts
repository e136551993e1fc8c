/**
 * bench:finder's load bench (issue 12): side by side in one run, this finder on one node, this
 * finder on two nodes sharing Redis, and PeerServer (the `peer` package), each holding
 * N = 1 000, 5 000 and 19 000 registered clients. For each: the server's RSS per registered
 * client, registrations per second, find → reply latency under that load (PeerServer: its offer
 * relay) and errors, with ratios to PeerServer.
 *
 * Every server is its own process (ours the compiled build/server/main.js, as production runs
 * it); the clients live in four worker processes (bench/finder-load-worker.ts), each from its
 * own loopback address, because one process may hold only 20 000 open files here and one source
 * address has ~28 000 ephemeral ports. Clients keep alive as real ones do (ours every 15 s,
 * PeerJS every 5 s), so the finds run beside that steady load.
 *
 * BENCH_FINDER_NS (default 1000,5000,19000), BENCH_FINDER_FINDS (finds timed per level at
 * BENCH_FINDER_FIND_RATE a second, default 1000 at 200/s; then half as many back to back),
 * BENCH_FINDER_SETUPS (default one,two,peerserver), BENCH_FINDER_NODE_ARGS (node flags for the
 * servers, e.g. --max-semi-space-size=1, to try a tuning against the same clients),
 * BENCH_FINDER_SERVER_LOG (a directory: each server's output is written there when it stops).
 */
import { fork, spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { spawnFinder, type FinderProcess } from '../server/test-node.ts'
import { startRedis, type TestRedis } from '../server/test-redis.ts'
import type { Command, Dialect, Reply } from './finder-load-worker.ts'

const NS = (process.env.BENCH_FINDER_NS ?? '1000,5000,19000').split(',').map(Number)
const FINDS = Number(process.env.BENCH_FINDER_FINDS ?? 1000)
// Finds a second over all clients while latency is timed: every one of 19 000 users ringing
// someone every 95 s, far more than people open chats. Then the same finds back to back (four
// in flight, one a client process) for the most a node answers (docs/scale.md).
const FIND_RATE = Number(process.env.BENCH_FINDER_FIND_RATE ?? 200)
const SETUPS = (process.env.BENCH_FINDER_SETUPS ?? 'one,two,peerserver').split(',')
const WORKERS = 4
const DOMAIN = 'bench.test'
const ROOT = fileURLToPath(new URL('..', import.meta.url))
// The per-IP bounds stay on by default; the bench's four addresses hold 19 000 clients, so it
// raises them through the documented LIMITS option (server/main.ts, docs/finder.md).
const LIMITS = {
  socketsPerIp: 10_000,
  ipRate: 1e6,
  ipBurst: 1e6,
  verifyRate: 1e6,
  verifyBurst: 1e6,
  verifyUntrustedRate: 1e6,
  verifyQueue: 1e5,
  verifyQueuePerIp: 1e5,
}

interface Level {
  n: number
  registered: number
  regPerSecond: number
  rssPerClient: number
  /** RSS the finds added (MiB): what they leave behind is bounded, not per client */
  findsMiB: number
  redisPerClient?: number
  /** find latency at FIND_RATE */
  p50: number
  p99: number
  /** finds a second with four back to back, and their latency */
  saturated: { rate: number; p50: number; p99: number }
  /** the worst client process's event-loop delay while finds were timed: p99 and max (ms) */
  clientLoop: { p99: number; max: number }
  errors: string[]
}

export class Worker {
  private readonly child
  constructor(readonly localAddress: string) {
    this.child = fork(fileURLToPath(new URL('./finder-load-worker.ts', import.meta.url)), [], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    })
    this.child.on('message', (reply: Reply) => this.waiting?.resolve(reply))
    this.child.once('exit', (code) => {
      this.waiting?.reject(new Error(`bench worker ${localAddress} exited ${code}`))
    })
  }
  private waiting?: { resolve: (reply: Reply) => void; reject: (err: Error) => void }
  ask(command: Command): Promise<Reply> {
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject }
      this.child.send(command)
    })
  }
  stop(): void {
    this.child.kill()
  }
}

function rssKiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN)
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const quantile = (sorted: number[], q: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN

async function redisUsedMemory(redis: TestRedis): Promise<number> {
  const out = spawnSync('redis-cli', ['-p', String(redis.port), 'INFO', 'memory'], {
    encoding: 'utf8',
  })
  return Number(/used_memory:(\d+)/.exec(out.stdout)?.[1] ?? NaN)
}

export async function startSetup(
  setup: string,
  redis: TestRedis | undefined,
  nodeArgs: string[] = [],
): Promise<{ dialect: Dialect; nodes: FinderProcess[] }> {
  const main = `${ROOT}build/server/main.js`
  const env = { DOMAIN, LIMITS: JSON.stringify(LIMITS) }
  if (setup === 'peerserver') {
    const node = await spawnFinder({}, { main: `${ROOT}bench/peerserver.ts`, nodeArgs }).ready
    return { dialect: 'peerserver', nodes: [node] }
  }
  if (setup === 'one')
    return { dialect: 'openpeer', nodes: [await spawnFinder(env, { main, nodeArgs }).ready] }
  const prefix = `load${Date.now()}:`
  const nodes = await Promise.all(
    [0, 1].map(
      () =>
        spawnFinder({ ...env, REDIS_URL: redis!.url, REDIS_PREFIX: prefix }, { main, nodeArgs })
          .ready,
    ),
  )
  return { dialect: 'openpeer', nodes }
}

async function runSetup(setup: string, workers: Worker[], redis?: TestRedis): Promise<Level[]> {
  const { dialect, nodes } = await startSetup(
    setup,
    redis,
    (process.env.BENCH_FINDER_NODE_ARGS ?? '').split(' ').filter(Boolean),
  )
  const urls = nodes.map((n) => n.url.replace(/^http/, 'ws'))
  const levels: Level[] = []
  try {
    await sleep(1000)
    const rss0 = nodes.reduce((sum, n) => sum + rssKiB(n.pid), 0)
    const redis0 = redis && setup === 'two' ? await redisUsedMemory(redis) : undefined
    let before = 0
    for (const n of NS) {
      const t0 = performance.now()
      const connected = (await Promise.all(
        workers.map((w) =>
          w.ask({ cmd: 'connect', dialect, urls, upTo: Math.ceil(n / WORKERS), inFlight: 16 }),
        ),
      )) as Extract<Reply, { cmd: 'connect' }>[]
      const seconds = (performance.now() - t0) / 1000
      const registered = connected.reduce((s, r) => s + r.registered, 0)
      // The least RSS over 8 s of keep-alives, before any find: the registrations' garbage is
      // collected by then, and one reading alone lands anywhere in a GC cycle. What finds leave
      // (routes, nonces, up to 1 024 parsed keys: bounded, not per client) is reported apart.
      const leastRss = async () => {
        let least = Infinity
        for (let i = 0; i < 8; i++) {
          await sleep(1000)
          least = Math.min(
            least,
            nodes.reduce((sum, node) => sum + rssKiB(node.pid), 0),
          )
        }
        return least
      }
      const rss = await leastRss()
      const redisNow = redis0 !== undefined ? await redisUsedMemory(redis!) : undefined
      const findAll = async (count: number, gapMs: number) =>
        (await Promise.all(
          workers.map((w) => w.ask({ cmd: 'finds', count: Math.ceil(count / WORKERS), gapMs })),
        )) as Extract<Reply, { cmd: 'finds' }>[]
      const found = await findAll(FINDS, (WORKERS / FIND_RATE) * 1000)
      const flat = await findAll(Math.ceil(FINDS / 2), 0)
      const flatLatencies = flat.flatMap((f) => f.latencies).sort((a, b) => a - b)
      const afterFinds = await leastRss()
      const latencies = found.flatMap((f) => f.latencies).sort((a, b) => a - b)
      levels.push({
        n,
        registered,
        regPerSecond: (registered - before) / seconds,
        rssPerClient: (rss - rss0) / registered,
        findsMiB: (afterFinds - rss) / 1024,
        redisPerClient:
          redisNow !== undefined ? (redisNow - redis0!) / 1024 / registered : undefined,
        p50: quantile(latencies, 0.5),
        p99: quantile(latencies, 0.99),
        saturated: {
          rate: flatLatencies.length / (Math.max(...flat.map((f) => f.ms)) / 1000),
          p50: quantile(flatLatencies, 0.5),
          p99: quantile(flatLatencies, 0.99),
        },
        clientLoop: {
          p99: Math.max(...found.map((f) => f.loopDelay.p99)),
          max: Math.max(...found.map((f) => f.loopDelay.max)),
        },
        errors: [...connected, ...found, ...flat].flatMap((r) => r.errors),
      })
      before = registered
      const l = levels.at(-1)!
      console.log(
        `  ${setup.padEnd(10)} N=${String(n).padStart(5)}: ${registered} registered, ` +
          `${l.regPerSecond.toFixed(0)} reg/s, ${l.rssPerClient.toFixed(2)} KiB RSS/client` +
          ` (${l.findsMiB.toFixed(1)} MiB more after the finds)` +
          (l.redisPerClient !== undefined ? ` (+${l.redisPerClient.toFixed(2)} KiB Redis)` : '') +
          `, find p50 ${l.p50.toFixed(2)} ms p99 ${l.p99.toFixed(2)} ms at ${FIND_RATE}/s` +
          `; back to back ${l.saturated.rate.toFixed(0)}/s p50 ${l.saturated.p50.toFixed(2)} p99 ${l.saturated.p99.toFixed(2)} ms` +
          ` (client loop delay p99 ${l.clientLoop.p99.toFixed(1)} max ${l.clientLoop.max.toFixed(1)} ms)` +
          `, ${l.errors.length} errors`,
      )
    }
  } finally {
    await Promise.all(workers.map((w) => w.ask({ cmd: 'close' })))
    await Promise.all(nodes.map((n) => n.kill()))
    // What the servers printed (with BENCH_FINDER_NODE_ARGS=--trace-gc: every collection).
    const logDir = process.env.BENCH_FINDER_SERVER_LOG
    if (logDir) nodes.forEach((n, i) => writeFileSync(`${logDir}/${setup}-${i}.log`, n.output()))
  }
  return levels
}

export async function benchFinderLoad(): Promise<void> {
  const build = spawnSync(
    process.execPath,
    [`${ROOT}node_modules/typescript/bin/tsc`, '-p', `${ROOT}tsconfig.server.json`],
    {
      stdio: 'inherit',
    },
  )
  if (build.status !== 0) throw new Error('npm run build:server failed')
  const max = Math.max(...NS)
  const workers = Array.from({ length: WORKERS }, (_, w) => new Worker(`127.0.0.${10 + w}`))
  const redis = SETUPS.includes('two') ? await startRedis() : undefined
  try {
    const t0 = performance.now()
    await Promise.all(
      workers.map((w) =>
        w.ask({
          cmd: 'init',
          count: Math.ceil(max / WORKERS),
          domain: DOMAIN,
          localAddress: w.localAddress,
        }),
      ),
    )
    console.log(
      `bench:finder load: ${max} identities made in ${((performance.now() - t0) / 1000).toFixed(1)} s; ` +
        `${FINDS} finds per level, ${WORKERS} client processes`,
    )
    const results = new Map<string, Level[]>()
    for (const setup of SETUPS) results.set(setup, await runSetup(setup, workers, redis))
    printTable(results)
  } finally {
    for (const w of workers) w.stop()
    await redis?.stop()
  }
}

function printTable(results: Map<string, Level[]>): void {
  const base = results.get('peerserver')
  const ratio = (mine: number, theirs: number | undefined) =>
    theirs ? `${(mine / theirs).toFixed(2)}×` : '—'
  console.log(
    `\n  setup       N      reg/s (÷PS)     KiB/client (÷PS)   find p50 / p99 ms at ${FIND_RATE}/s (p99 ÷PS)   back to back: finds/s (÷PS), p99 ms   errors`,
  )
  for (const [setup, levels] of results) {
    for (const [i, l] of levels.entries()) {
      const ps = base?.[i]
      console.log(
        `  ${setup.padEnd(10)} ${String(l.n).padStart(6)}  ` +
          `${l.regPerSecond.toFixed(0).padStart(6)} (${ratio(l.regPerSecond, ps?.regPerSecond).padStart(6)})  ` +
          `${l.rssPerClient.toFixed(2).padStart(6)} (${ratio(l.rssPerClient, ps?.rssPerClient).padStart(6)})` +
          `${l.redisPerClient !== undefined ? ` +${l.redisPerClient.toFixed(2)} Redis` : ''}  ` +
          `${l.p50.toFixed(2).padStart(6)} / ${l.p99.toFixed(2).padStart(6)} (${ratio(l.p99, ps?.p99)})  ` +
          `${l.saturated.rate.toFixed(0).padStart(6)} (${ratio(l.saturated.rate, ps?.saturated.rate)}), ${l.saturated.p99.toFixed(2)}  ` +
          `${l.errors.length}${l.errors.length ? ` e.g. ${l.errors[0]}` : ''}`,
      )
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  benchFinderLoad().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err)
      process.exit(1)
    },
  )
}
