/**
 * bench:connect — invite-open → "connected" latency in the real app, next to a raw
 * RTCPeerConnection datachannel open between the same two pages with signalling passed by
 * hand. Prints median and p95 of each and their ratio. Goal on loopback: app median ≤ 250 ms.
 */
import { existsSync } from 'node:fs'
import type { Browser } from 'playwright-core'
import { createFinderServer } from '../server/index.ts'
import { launch, stats } from './browser.ts'
import { user } from './browser-lib.ts'

const RUNS = Number(process.env.BENCH_RUNS ?? 20)

/** One app run: ms from opening the invite link to the inviter showing "connected" on the invitee. */
async function appRun(browser: Browser, base: string, i: number): Promise<number> {
  const [a, b] = await Promise.all([user(browser, base, `A${i}`), user(browser, base, `B${i}`)])
  await a.getByRole('button', { name: 'Invite', exact: true }).click()
  const link = await a.getByRole('textbox', { name: 'Invite link', exact: true }).inputValue()
  const hash = new URL(link).hash
  // Measured inside the page: a hash change triggers the invite, a MutationObserver sees "connected".
  // In-page code goes as a string: tsx's keepNames helpers (`__name`) do not exist in the page.
  const ms = (await b.evaluate(`new Promise((resolve) => {
    const t0 = performance.now()
    const done = () => {
      const list = document.querySelector('[aria-label="Contacts"]')
      const item = list && list.querySelector('[aria-label*="connected"]')
      if (item) resolve(performance.now() - t0)
    }
    new MutationObserver(done).observe(document.body, { subtree: true, childList: true, attributes: true })
    location.hash = ${JSON.stringify(hash)}
  })`)) as number
  await Promise.all([a.context().close(), b.context().close()])
  return ms
}

/** Raw baseline: two pages, one RTCPeerConnection each, offer/answer/candidates passed by hand. */
async function rawRun(browser: Browser, base: string): Promise<number> {
  const ctxA = await browser.newContext({ baseURL: base, permissions: ['camera', 'microphone'] })
  const ctxB = await browser.newContext({ baseURL: base, permissions: ['camera', 'microphone'] })
  const [a, b] = await Promise.all([ctxA.newPage(), ctxB.newPage()])
  await Promise.all([
    a.goto('/.well-known/openpeer-services-get'),
    b.goto('/.well-known/openpeer-services-get'),
  ])
  const setup = (): void => {
    const w = window as unknown as Record<string, unknown>
    const pc = new RTCPeerConnection({ iceServers: [] })
    w.pc = pc
    w.cands = [] as RTCIceCandidateInit[]
    pc.onicecandidate = (e) =>
      e.candidate && (w.cands as RTCIceCandidateInit[]).push(e.candidate.toJSON())
  }
  await Promise.all([a.evaluate(setup), b.evaluate(setup)])
  const t0 = Date.now()
  const offer = await a.evaluate(async () => {
    const w = window as unknown as {
      pc: RTCPeerConnection
      dc: RTCDataChannel
      opened: Promise<number>
    }
    w.dc = w.pc.createDataChannel('bench')
    w.opened = new Promise((r) => (w.dc.onopen = () => r(Date.now())))
    await w.pc.setLocalDescription(await w.pc.createOffer())
    return w.pc.localDescription!.toJSON()
  })
  const answer = await b.evaluate(async (o) => {
    const w = window as unknown as { pc: RTCPeerConnection }
    await w.pc.setRemoteDescription(o)
    await w.pc.setLocalDescription(await w.pc.createAnswer())
    return w.pc.localDescription!.toJSON()
  }, offer)
  await a.evaluate(
    (ans) => (window as unknown as { pc: RTCPeerConnection }).pc.setRemoteDescription(ans),
    answer,
  )
  // Trickle by hand: move each side's new candidates across until the channel opens, the
  // same trickle the app does through the finder.
  const take = (): RTCIceCandidateInit[] =>
    (window as unknown as { cands: RTCIceCandidateInit[] }).cands.splice(0)
  const add = (cs: RTCIceCandidateInit[]): Promise<unknown> =>
    Promise.all(
      cs.map((c) => (window as unknown as { pc: RTCPeerConnection }).pc.addIceCandidate(c)),
    )
  const isOpen = (): boolean =>
    (window as unknown as { dc: RTCDataChannel }).dc.readyState === 'open'
  const deadline = Date.now() + 10_000
  while (!(await a.evaluate(isOpen)) && Date.now() < deadline) {
    const [fromA, fromB] = await Promise.all([a.evaluate(take), b.evaluate(take)])
    await Promise.all([b.evaluate(add, fromA), a.evaluate(add, fromB)])
  }
  const openedAt = await a.evaluate(() => (window as unknown as { opened: Promise<number> }).opened)
  await Promise.all([ctxA.close(), ctxB.close()])
  return openedAt - t0
}

export async function benchConnect(): Promise<void> {
  if (!existsSync('dist/index.html')) throw new Error('build the app first: npm run build')
  const server = await createFinderServer({ port: 0, host: '127.0.0.1', log: () => {} })
  const base = `http://127.0.0.1:${server.address().port}`
  const browser = await launch()
  try {
    const app: number[] = []
    const raw: number[] = []
    // Interleaved, so machine load drifts affect both series alike.
    for (let i = 0; i < RUNS; i++) {
      raw.push(await rawRun(browser, base))
      app.push(await appRun(browser, base, i))
    }
    const a = stats(app)
    const r = stats(raw)
    const f = (n: number): string => `${n.toFixed(0)} ms`
    console.log(`bench:connect (${RUNS} runs, loopback)`)
    console.log(`  raw datachannel open  median ${f(r.median)}  p95 ${f(r.p95)}`)
    console.log(
      `  app invite→connected  median ${f(a.median)}  p95 ${f(a.p95)}  (goal: median ≤ 250 ms)`,
    )
    console.log(
      `  ratio app/raw         median ${(a.median / r.median).toFixed(2)}×  p95 ${(a.p95 / r.p95).toFixed(2)}×`,
    )
  } finally {
    await browser.close()
    await server.close()
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  benchConnect().catch((err: unknown) => {
    console.error(err)
    process.exit(1)
  })
}
