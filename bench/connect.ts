/**
 * bench:connect — invite opened → "connected" in the real app (two fresh browser contexts,
 * both users already online), next to the anchor of issue 15: PeerJS 1.5.5 + PeerServer 1.0.2,
 * `connect()` → DataConnection open, both peers already registered, in the same Chromium with
 * the same flags (scripts/chromium-args.ts). The two are interleaved run by run, so a machine
 * whose load drifts slows both alike; the first run of each is a warm-up and dropped. Prints
 * median and p95 of each, their ratio (goal: app ≤ 1.5× PeerJS), and the app's median
 * timeline from both pages' trace marks (BENCH_TRACE=0 leaves it out; docs/performance.md).
 */
import { existsSync } from 'node:fs'
import { loadavg } from 'node:os'
import type { Browser, Page } from 'playwright-core'
import { createFinderServer } from '../server/index.ts'
import { launch, stats } from './browser.ts'
import { userIn } from './browser-lib.ts'
import { clearMarks, medianTimeline, timeline, traced, type Mark } from './connect-trace.ts'
import { peerjsRun, startPeerServer } from './connect-peerjs.ts'
import { startDelayProxy } from './delay-proxy.ts'

const RUNS = Number(process.env.BENCH_RUNS ?? 20)
const TRACE = process.env.BENCH_TRACE !== '0'
/**
 * ms of round trip between the browsers and both servers (finder, PeerServer), through a delay
 * proxy; the browsers reach each other directly. 0: all on loopback.
 */
const SERVER_RTT = Number(process.env.BENCH_SERVER_RTT ?? 0)

/** Settles once the page has been idle twice (its pending work done), at most after 2 s. */
async function settled(page: Page): Promise<void> {
  await page.evaluate(`new Promise((resolve) => {
    const idle = (then) => requestIdleCallback(then, { timeout: 1000 })
    idle(() => idle(resolve))
  })`)
}

/** One app run: ms from opening the invite link to the inviter showing "connected" on the invitee. */
async function appRun(
  browser: Browser,
  base: string,
  i: number,
): Promise<{ ms: number; marks: Mark[] }> {
  const newUser = async (name: string) => {
    const context = await browser.newContext({
      baseURL: base,
      permissions: ['camera', 'microphone'],
    })
    if (TRACE) await traced(context)
    return userIn(context, name)
  }
  const [a, b] = await Promise.all([newUser(`A${i}`), newUser(`B${i}`)])
  await a.getByRole('button', { name: 'Invite', exact: true }).click()
  const link = await a.getByRole('textbox', { name: 'Invite link', exact: true }).inputValue()
  const hash = new URL(link).hash
  // People open an invite seconds after it was shown, not while the inviter's page still draws
  // its QR code: both pages settle first (that work ran into the find, 21–42 ms, run to run).
  await Promise.all([settled(a), settled(b)])
  await Promise.all([clearMarks(a), clearMarks(b)])
  // Measured inside the page: a hash change triggers the invite, a MutationObserver sees "connected".
  // In-page code goes as a string: tsx's keepNames helpers (`__name`) do not exist in the page.
  const ms = (await b.evaluate(`new Promise((resolve) => {
    const t0 = performance.now()
    performance.mark('opw:bench:open')
    const done = () => {
      const list = document.querySelector('[aria-label="Contacts"]')
      const item = list && list.querySelector('[aria-label*="connected"]')
      if (item) {
        performance.mark('opw:bench:rendered')
        resolve(performance.now() - t0)
      }
    }
    new MutationObserver(done).observe(document.body, { subtree: true, childList: true, attributes: true })
    location.hash = ${JSON.stringify(hash)}
  })`)) as number
  const marks = TRACE ? await timeline(b, a) : []
  await Promise.all([a.context().close(), b.context().close()])
  return { ms, marks }
}

export async function benchConnect(): Promise<void> {
  if (!existsSync('dist/index.html')) throw new Error('build the app first: npm run build')
  const server = await createFinderServer({ port: 0, host: '127.0.0.1', log: () => {} })
  const peerServer = await startPeerServer()
  const proxies = SERVER_RTT
    ? await Promise.all(
        [server.address().port, peerServer.port].map((port) =>
          startDelayProxy(port, SERVER_RTT / 2),
        ),
      )
    : []
  const [finderPort, peerServerPort] = proxies.length
    ? proxies.map((p) => p.port)
    : [server.address().port, peerServer.port]
  const base = `http://127.0.0.1:${finderPort}`
  const browser = await launch()
  const load = loadavg()
  try {
    const app: number[] = []
    const anchor: number[] = []
    const traces: Mark[][] = []
    // Run 0 of each is the warm-up (Chromium's first WebRTC, the app's first load): dropped.
    for (let i = 0; i <= RUNS; i++) {
      const p = await peerjsRun(browser, base, peerServerPort as number, i)
      const r = await appRun(browser, base, i)
      if (i === 0) continue
      anchor.push(p)
      app.push(r.ms)
      traces.push(r.marks)
    }
    const a = stats(app)
    const p = stats(anchor)
    const f = (n: number): string => `${n.toFixed(0)} ms`
    const after = loadavg()
    const where = SERVER_RTT ? `servers ${SERVER_RTT} ms round trip away` : 'loopback'
    console.log(`bench:connect (${RUNS} runs + 1 warm-up each, ${where})`)
    console.log(`  load average before ${load.map((l) => l.toFixed(2)).join(' ')}`)
    console.log(`  load average after  ${after.map((l) => l.toFixed(2)).join(' ')}`)
    console.log(`  PeerJS connect→open      median ${f(p.median)}  p95 ${f(p.p95)}`)
    console.log(`  app invite→connected     median ${f(a.median)}  p95 ${f(a.p95)}`)
    console.log(
      `  ratio app/PeerJS         median ${(a.median / p.median).toFixed(2)}×  p95 ${(a.p95 / p.p95).toFixed(2)}×  (goal: median ≤ 1.5×)`,
    )
    if (TRACE) {
      // Every find, reply and signal message is signed by one page, checked by the finder and
      // by the other page: how many a connect takes is a cost of its own (docs/scale.md).
      const sent = stats(
        traces.map(
          (t) => t.filter((m) => /^(find:sent|reply:sent|signal:sent:)/.test(m.name)).length,
        ),
      )
      console.log(`  signed messages through the finder per connect: median ${sent.median}`)
      console.log('  app timeline (median of each mark’s first time, from the invite opened):')
      for (const line of medianTimeline(traces)) console.log(`  ${line}`)
    }
  } finally {
    await browser.close()
    for (const proxy of proxies) await proxy.close()
    await peerServer.close()
    await server.close()
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // Exits when done: PeerServer 1.0.2 keeps two timers (message expiry, broken-connection
  // checks) running after its server closed, and they would hold the process forever.
  benchConnect().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err)
      process.exit(1)
    },
  )
}
