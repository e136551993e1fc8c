/**
 * bench:finder — first the load bench (bench/finder-load.ts: this finder on one and two nodes
 * beside PeerServer at 1k/5k/19k clients; BENCH_FINDER_LOAD=0 skips it), then finder request
 * costs against a bare `ws` echo server measured in the same run:
 * a peer-file-get round trip (decode + lookup), a session-create (decode + two ECDSA verifies)
 * and a find forked to two locations (verify + HMAC + fan-out).
 */
import { WebSocketServer } from 'ws'
import { benchFinderLoad } from './finder-load.ts'
import { createFinderServer } from '../server/index.ts'
import { connect } from '../server/test-client.ts'
import { findRequestBody, makeContact, sessionCreateBody } from '../server/test-identity.ts'

const N = Number(process.env.BENCH_FINDER_N ?? 1000)
const BIG = 1e9

async function perSecond(n: number, fn: (i: number) => Promise<unknown>): Promise<number> {
  const t0 = performance.now()
  for (let i = 0; i < n; i++) await fn(i)
  return (n / (performance.now() - t0)) * 1000
}

export async function benchFinder(): Promise<void> {
  if (process.env.BENCH_FINDER_LOAD !== '0') await benchFinderLoad()
  const echo = new WebSocketServer({ port: 0, host: '127.0.0.1' })
  echo.on('connection', (ws) => ws.on('message', (d) => ws.send(d.toString())))
  await new Promise((r) => echo.once('listening', r))
  const echoPort = (echo.address() as { port: number }).port
  const server = await createFinderServer({
    port: 0,
    host: '127.0.0.1',
    log: () => {},
    distDir: '/nonexistent',
    limits: {
      socketRate: BIG,
      socketBurst: BIG,
      ipRate: BIG,
      ipBurst: BIG,
      locationsPerContact: 16,
    },
  })
  const domain = `127.0.0.1:${server.address().port}`
  try {
    // Baseline: the same request frame, echoed by a server that does nothing with it.
    const raw = await connect(`ws://127.0.0.1:${echoPort}`)
    const frame = { v: 1, kind: 'request', type: 'peer-file-get', contactId: '0'.repeat(64) }
    const echoRate = await perSecond(N, async (i) => {
      const id = `e${i}`
      const got = raw.next((f) => f.id === id)
      raw.sendRaw({ ...frame, id })
      await got
    })
    await raw.close()

    const alice = await makeContact(domain, 'Alice')
    const bob = await makeContact(domain, 'Bob')
    const [a, b1, b2] = await Promise.all([0, 1, 2].map(() => connect(`ws://${domain}/finder`)))
    await a!.request('session-create', await sessionCreateBody(alice, domain, 'alice-loc-1'))
    await b1!.request('session-create', await sessionCreateBody(bob, domain, 'bob-loc-1'))
    await b2!.request('session-create', await sessionCreateBody(bob, domain, 'bob-loc-2'))

    const getRate = await perSecond(N, () =>
      a!.request('peer-file-get', { contactId: bob.contactId }),
    )

    const regs = await Promise.all(
      Array.from({ length: N / 5 }, () => sessionCreateBody(alice, domain, 'alice-loc-1')),
    )
    const regRate = await perSecond(regs.length, (i) => a!.request('session-create', regs[i]!))

    const finds = await Promise.all(
      Array.from({ length: N / 5 }, () => findRequestBody(alice, 'alice-loc-1', bob)),
    )
    const findRate = await perSecond(finds.length, async (i) => {
      const ctx = finds[i]!.proof.context
      const isFork = (f: { type?: string; proof?: unknown }): boolean =>
        f.type === 'peer-location-find' &&
        (f.proof as { context?: string } | undefined)?.context === ctx
      const forks = Promise.all([b1!.next(isFork), b2!.next(isFork)])
      await a!.request('peer-location-find', finds[i]!)
      await forks
    })
    await Promise.all([a, b1, b2].map((c) => c!.close()))

    const row = (name: string, rate: number): string =>
      `  ${name.padEnd(34)} ${rate.toFixed(0).padStart(7)} /s   ratio to echo ${(rate / echoRate).toFixed(2)}×`
    console.log(`bench:finder (${N} round trips, one client at a time, loopback)`)
    console.log(row('baseline: ws echo round trip', echoRate))
    console.log(row('peer-file-get round trip', getRate))
    console.log(row('session-create (2 ECDSA verifies)', regRate))
    console.log(row('find, forked to 2 locations', findRate))
  } finally {
    await server.close()
    await new Promise((r) => echo.close(r))
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  benchFinder().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err)
      process.exit(1)
    },
  )
}
