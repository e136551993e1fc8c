/**
 * bench:cluster — what the Redis-backed finder cluster costs, against one node with the
 * in-memory registry measured in the same run: Redis memory per registered location, the
 * registry's round trips, and find → fork latency on one node and across two nodes.
 * It starts its own redis-server (Debian's) on a free port. Not a load test: one client at a time.
 */
import { createClient } from '@redis/client'
import { randomBytes } from 'node:crypto'
import { createFinderServer, createRedisRegistry, type Registry } from '../server/index.ts'
import { connect, type Frame } from '../server/test-client.ts'
import { findRequestBody, makeContact, sessionCreateBody } from '../server/test-identity.ts'
import { startRedis } from '../server/test-redis.ts'

const N = Number(process.env.BENCH_CLUSTER_N ?? 10_000)
const FINDS = Number(process.env.BENCH_CLUSTER_FINDS ?? 300)
const BIG = 1e9
const limits = { socketRate: BIG, socketBurst: BIG, ipRate: BIG, ipBurst: BIG }
const DOMAIN = 'bench.test'

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN
}

async function info(url: string, section: string, field: string): Promise<number> {
  const c = createClient({ url })
  await c.connect()
  try {
    const text = await c.sendCommand<string>(['INFO', section])
    return Number(new RegExp(`${field}:([\\d.]+)`).exec(text)?.[1])
  } finally {
    c.destroy()
  }
}
const usedMemory = (url: string) => info(url, 'memory', 'used_memory')
/** CPU seconds Redis has used (user + system): its cost per operation, whatever the client. */
const redisCpu = async (url: string) =>
  (await info(url, 'cpu', 'used_cpu_user')) + (await info(url, 'cpu', 'used_cpu_sys'))

/** Redis bytes per registered location: a registration, its slot in loc:<contact>, its peer file. */
async function memoryPerRegistration(
  url: string,
): Promise<{ bytes: number; perSecond: number; keepAlives: number; keepAliveCpuUs: number }> {
  const registry = await createRedisRegistry({ url, prefix: 'mem:', log: () => {} })
  const contacts = await Promise.all(
    Array.from({ length: 20 }, (_, i) => makeContact(DOMAIN, `C${i}`)),
  )
  const before = await usedMemory(url)
  const registered: string[] = []
  const t0 = performance.now()
  const batch = 200
  for (let i = 0; i < N; i += batch) {
    await Promise.all(
      Array.from({ length: Math.min(batch, N - i) }, async (_, j) => {
        const c = contacts[(i + j) % contacts.length]!
        // Real section A and B (their size is what counts), a distinct contact id per location.
        const contactId = randomBytes(32).toString('hex')
        const session = randomBytes(12).toString('base64url')
        registered.push(session)
        await registry.register(
          {
            session,
            node: registry.node,
            contactId,
            locationId: randomBytes(12).toString('base64url'),
            label: 'Firefox on Linux',
            A: c.A,
            findSecret: c.B.findSecret,
            expires: Date.now() + 600_000,
          },
          { maxLocations: 16 },
        )
        await registry.rememberPeerFile(contactId, c.A)
      }),
    )
  }
  const perSecond = (N / (performance.now() - t0)) * 1000
  const after = await usedMemory(url)
  // Keep-alives: what every registered client sends every 15 s (the largest steady load).
  const sessions = registered.slice(0, N)
  const cpu0 = await redisCpu(url)
  const k0 = performance.now()
  for (let i = 0; i < sessions.length; i += batch) {
    await Promise.all(
      sessions
        .slice(i, i + batch)
        .map((session) => registry.keepAlive(session, Date.now() + 600_000)),
    )
  }
  const keepAlives = (sessions.length / (performance.now() - k0)) * 1000
  const keepAliveCpuUs = (((await redisCpu(url)) - cpu0) * 1e6) / sessions.length
  await registry.close()
  return { bytes: (after - before) / N, perSecond, keepAlives, keepAliveCpuUs }
}

/** Alice on the first node, Bob on the last: one node, or two sharing a Redis. */
async function findLatency(registries: (Registry | undefined)[]) {
  const servers = await Promise.all(
    registries.map((registry) =>
      createFinderServer({
        port: 0,
        host: '127.0.0.1',
        domain: DOMAIN,
        log: () => {},
        distDir: '/nonexistent',
        limits,
        ...(registry ? { registry } : {}),
      }),
    ),
  )
  const s1 = servers[0]!
  const s2 = servers.at(-1)!
  try {
    const alice = await makeContact(DOMAIN, 'Alice')
    const bob = await makeContact(DOMAIN, 'Bob')
    const a = await connect(`${s1.url.replace('http', 'ws')}/finder`)
    const b = await connect(`${s2.url.replace('http', 'ws')}/finder`)
    await a.request('session-create', await sessionCreateBody(alice, DOMAIN, 'a1'))
    await b.request('session-create', await sessionCreateBody(bob, DOMAIN, 'b1'))
    const finds = await Promise.all(
      Array.from({ length: FINDS }, () => findRequestBody(alice, 'a1', bob)),
    )
    const times: number[] = []
    for (const find of finds) {
      const ctx = find.proof.context
      const isFork = (f: Frame): boolean =>
        f.type === 'peer-location-find' && (f.proof as { context?: string })?.context === ctx
      const t0 = performance.now()
      const fork = b.next(isFork)
      a.sendRaw({
        v: 1,
        kind: 'request',
        type: 'peer-location-find',
        id: randomBytes(12).toString('base64url'),
        ...find,
      })
      await fork
      times.push(performance.now() - t0)
    }
    await Promise.all([a.close(), b.close()])
    times.sort((x, y) => x - y)
    return { p50: quantile(times, 0.5), p99: quantile(times, 0.99) }
  } finally {
    await Promise.all(servers.map((s) => s.close()))
  }
}

export async function benchCluster(): Promise<void> {
  const redis = await startRedis()
  try {
    const mem = await memoryPerRegistration(redis.url)
    const one = await findLatency([undefined])
    const prefix = `f${randomBytes(4).toString('hex')}:`
    const r1 = await createRedisRegistry({ url: redis.url, prefix, log: () => {} })
    const r2 = await createRedisRegistry({ url: redis.url, prefix, log: () => {} })
    const two = await findLatency([r1, r2])
    await Promise.all([r1.close(), r2.close()])
    const ms = (x: number) => `${x.toFixed(2)} ms`
    console.log(`bench:cluster (redis-server ${redis.port}, loopback, one client at a time)`)
    console.log(
      `  Redis memory per registered location   ${(mem.bytes / 1024).toFixed(2)} KiB (N=${N})`,
    )
    console.log(
      `  registrations written to Redis         ${mem.perSecond.toFixed(0)} /s (200 at a time)`,
    )
    console.log(
      `  keep-alives through Redis              ${mem.keepAlives.toFixed(0)} /s (200 at a time),` +
        ` ${mem.keepAliveCpuUs.toFixed(1)} µs of Redis CPU each`,
    )
    console.log(`  find → fork, one node (memory)         p50 ${ms(one.p50)}  p99 ${ms(one.p99)}`)
    console.log(
      `  find → fork, two nodes (Redis)         p50 ${ms(two.p50)}  p99 ${ms(two.p99)}` +
        `   ratio p50 ${(two.p50 / one.p50).toFixed(2)}×`,
    )
  } finally {
    await redis.stop()
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  benchCluster().catch((err: unknown) => {
    console.error(err)
    process.exit(1)
  })
}
