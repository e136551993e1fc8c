/**
 * bench:call — a video call in the real app between two Chromium pages (fake camera and
 * microphone, scripts/chromium-args.ts), next to a raw RTCPeerConnection between the same two
 * pages carrying the same fake devices, its renegotiation sent over its own datachannel (as the
 * app's goes over the session's control channel). One run measures:
 *
 * 1. Accept → first remote frame, at the callee and at the caller (BENCH_CALL_RUNS times, median):
 *    the app from Bob's click on "Accept" to the first frame decoded on each side's
 *    "Remote video"; raw from the callee's "accept" (getUserMedia, addTrack, ask the offerer) to
 *    the first frame on each side's <video>. Times are wall-clock (timeOrigin + now) in each page.
 * 2. Frames decoded per second on the remote video, idle and while a BENCH_CALL_MB (50) MiB
 *    file downloads over the same connection: the app (Bob clicks "Download <name>" during the
 *    call; the download speed is reported, and the same download with no call for comparison)
 *    and raw (a bulk datachannel on the raw connection, 64 KiB messages with the app's send-queue
 *    marks).
 *
 * Env: BENCH_CALL_RUNS (3) · BENCH_CALL_MB (50) · BENCH_CALL_IDLE_S (5) · CHROMIUM_PATH.
 * Not part of `npm test`. Rates are MiB/s.
 */
import { rmSync } from 'node:fs'
import { mkdtemp } from 'node:fs/promises'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { createFinderServer, type FinderServer } from '../server/index.ts'
import { SEND_QUEUE } from '../src/openpeer/index.ts'
import { launch, stats } from './browser.ts'
import { download, randomFile, share } from './browser-files.ts'
import { connectUsers, contactItem, conversation, user } from './browser-lib.ts'
import { rawSend } from './browser-raw.ts'
import { f1, MiB, rate, sleep } from './units.ts'
// @ts-expect-error -- plain ESM helper shared with the npm scripts
import { buildIfStale } from '../scripts/lib.mjs'

const RUNS = Number(process.env.BENCH_CALL_RUNS ?? 3)
const MB = Number(process.env.BENCH_CALL_MB ?? 50)
const IDLE_S = Number(process.env.BENCH_CALL_IDLE_S ?? 5)

// In-page code goes as strings: tsx's keepNames helpers (`__name`) do not exist in the page.

/** Resolves (in the page) to the wall-clock ms of the first frame decoded on `selector`. */
const FIRST_FRAME = (selector: string): string => `(() => {
  window.__firstFrame = new Promise((resolve) => {
    const timer = setInterval(() => {
      const v = document.querySelector(${JSON.stringify(selector)})
      if (v && v.getVideoPlaybackQuality().totalVideoFrames > 0) {
        clearInterval(timer)
        resolve(performance.timeOrigin + performance.now())
      }
    }, 4)
  })
})()`

/** Frames decoded so far on `selector`. */
const FRAMES = (selector: string): string =>
  `(() => { const v = document.querySelector(${JSON.stringify(selector)}); return v ? v.getVideoPlaybackQuality().totalVideoFrames : 0 })()`

const APP_REMOTE = 'video[aria-label="Remote video"]'
const RAW_REMOTE = 'video#bench-raw-remote'

/** Watches Bob's click on "Accept": its wall-clock time. */
const ACCEPT_WATCH = `(() => {
  window.__accept = new Promise((resolve) => {
    document.addEventListener('click', (e) => {
      const b = e.target instanceof Element && e.target.closest('button')
      if (b && b.textContent.trim() === 'Accept') resolve(performance.timeOrigin + e.timeStamp)
    }, { capture: true, once: true })
  })
})()`

/**
 * The raw side: a connection with a signalling datachannel (offers and answers go over it once
 * connected, as the app's do), a bulk datachannel receiver (size:N … done), and a <video> for
 * the remote camera.
 */
const RAW_SETUP = `(() => {
  const old = window.__rawm
  if (old) { old.pc.close(); old.video.remove(); for (const t of old.local?.getTracks() ?? []) t.stop() }
  const pc = new RTCPeerConnection({ iceServers: [] })
  const video = document.createElement('video')
  video.id = 'bench-raw-remote'
  video.muted = true
  video.autoplay = true
  video.playsInline = true
  document.body.appendChild(video)
  const raw = { pc, cands: [], sig: null, bulk: null, video, local: null }
  window.__rawm = raw
  pc.onicecandidate = (e) => e.candidate && raw.cands.push(e.candidate.toJSON())
  pc.ontrack = (e) => {
    if (e.track.kind !== 'video') return
    video.srcObject = e.streams[0]
    video.play().catch(() => {})
  }
  const onSig = async (m) => {
    const msg = JSON.parse(m.data)
    if (msg.ask) return raw.offer()
    await pc.setRemoteDescription(msg)
    if (msg.type === 'offer') {
      await pc.setLocalDescription(await pc.createAnswer())
      raw.sig.send(JSON.stringify(pc.localDescription))
    }
  }
  raw.offer = async () => {
    await pc.setLocalDescription(await pc.createOffer())
    raw.sig.send(JSON.stringify(pc.localDescription))
  }
  raw.useSig = (dc) => { raw.sig = dc; dc.onmessage = onSig }
  pc.ondatachannel = (e) => {
    const dc = e.channel
    if (dc.label === 'sig') return raw.useSig(dc)
    raw.bulk = dc
    dc.binaryType = 'arraybuffer'
    let want = 0
    let got = 0
    dc.onmessage = (m) => {
      if (typeof m.data === 'string') { want = Number(m.data.slice(5)); got = 0; return }
      got += m.data.byteLength
      if (got === want) dc.send('done')
    }
  }
})()`

async function rawConnect(a: Page, b: Page): Promise<void> {
  await Promise.all([a.evaluate(RAW_SETUP), b.evaluate(RAW_SETUP)])
  const offer = await a.evaluate(`(async () => {
    const raw = window.__rawm
    raw.useSig(raw.pc.createDataChannel('sig', { ordered: true }))
    raw.bulk = raw.pc.createDataChannel('bulk', { ordered: true })
    raw.bulk.binaryType = 'arraybuffer'
    await raw.pc.setLocalDescription(await raw.pc.createOffer())
    return raw.pc.localDescription.toJSON()
  })()`)
  const answer = await b.evaluate(`(async () => {
    const pc = window.__rawm.pc
    await pc.setRemoteDescription(${JSON.stringify(offer)})
    await pc.setLocalDescription(await pc.createAnswer())
    return pc.localDescription.toJSON()
  })()`)
  await a.evaluate(`window.__rawm.pc.setRemoteDescription(${JSON.stringify(answer)})`)
  const take = 'window.__rawm.cands.splice(0)'
  const add = (cs: unknown): string =>
    `Promise.all(${JSON.stringify(cs)}.map((c) => window.__rawm.pc.addIceCandidate(c)))`
  const deadline = Date.now() + 15_000
  while (
    !(await a.evaluate(`window.__rawm.sig.readyState === 'open'`)) ||
    !(await b.evaluate(`!!window.__rawm.sig && window.__rawm.sig.readyState === 'open'`))
  ) {
    if (Date.now() > deadline) throw new Error('raw connection did not open in 15 s')
    const [fromA, fromB] = await Promise.all([a.evaluate(take), b.evaluate(take)])
    await Promise.all([b.evaluate(add(fromA)), a.evaluate(add(fromB))])
    await sleep(20)
  }
}

/** The caller's devices go on the connection before the callee answers (as the app's ring). */
const RAW_CALLER_MEDIA = `(async () => {
  const raw = window.__rawm
  raw.local = await navigator.mediaDevices.getUserMedia({ audio: true, video: true })
  for (const t of raw.local.getTracks()) raw.pc.addTrack(t, raw.local)
})()`

/** The callee accepts: its devices, its tracks, and a request for the offer; returns the time. */
const RAW_ACCEPT = `(async () => {
  const t0 = performance.timeOrigin + performance.now()
  const raw = window.__rawm
  raw.local = await navigator.mediaDevices.getUserMedia({ audio: true, video: true })
  for (const t of raw.local.getTracks()) raw.pc.addTrack(t, raw.local)
  raw.sig.send(JSON.stringify({ ask: true }))
  return t0
})()`

/** Frames per second on `selector` over `seconds`, or until `until()` says stop. */
async function fps(
  page: Page,
  selector: string,
  opts: { seconds?: number; until?: () => boolean },
): Promise<number> {
  const f0 = (await page.evaluate(FRAMES(selector))) as number
  const t0 = performance.now()
  if (opts.seconds) await sleep(opts.seconds * 1000)
  else while (!opts.until?.()) await sleep(100)
  const f1n = (await page.evaluate(FRAMES(selector))) as number
  return (f1n - f0) / ((performance.now() - t0) / 1000)
}

const median = (xs: number[]): number => stats(xs).median
const ms = (n: number): string => `${n.toFixed(0)} ms`

export async function benchCall(): Promise<number> {
  if ((await buildIfStale()) !== 0) throw new Error('vite build failed')
  const rows: { what: string; result: string }[] = []
  const row = (what: string, result: string): void => {
    rows.push({ what, result })
    console.log(`  ${what}: ${result}`)
  }
  let dir: string | undefined
  let server: FinderServer | undefined
  let browser: Browser | undefined
  try {
    dir = await mkdtemp(join(tmpdir(), 'bench-call-'))
    server = await createFinderServer({ port: 0, host: '127.0.0.1', log: () => {} })
    const base = `http://127.0.0.1:${server.address().port}`
    browser = await launch()
    console.log(
      `bench:call — Chromium ${browser.version()}, fake devices, loopback, ${RUNS} runs, ` +
        `${MB} MiB download; load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores`,
    )
    const [alice, bob] = await Promise.all([
      user(browser, base, 'Alice'),
      user(browser, base, 'Bob'),
    ])
    await connectUsers(alice, 'Alice', bob, 'Bob')
    await contactItem(alice, 'Bob').click()
    await contactItem(bob, 'Alice').click()

    // 1. Accept → first remote frame.
    const app = { callee: [] as number[], caller: [] as number[] }
    const raw = { callee: [] as number[], caller: [] as number[] }
    const hangUp = async (): Promise<void> => {
      await alice
        .getByRole('region', { name: 'Call' })
        .getByRole('button', { name: 'Hang up' })
        .click()
      await bob.getByRole('region', { name: 'Call' }).waitFor({ state: 'hidden' })
    }
    for (let i = 0; i < RUNS; i++) {
      await conversation(alice).getByRole('button', { name: 'Video call', exact: true }).click()
      await bob.getByRole('dialog', { name: 'Incoming call' }).waitFor()
      await Promise.all([
        alice.evaluate(FIRST_FRAME(APP_REMOTE)),
        bob.evaluate(FIRST_FRAME(APP_REMOTE)),
      ])
      await bob.evaluate(ACCEPT_WATCH)
      await bob.getByRole('button', { name: 'Accept' }).click()
      const [t0, atBob, atAlice] = (await Promise.all([
        bob.evaluate('window.__accept'),
        bob.evaluate('window.__firstFrame'),
        alice.evaluate('window.__firstFrame'),
      ])) as number[]
      app.callee.push(atBob! - t0!)
      app.caller.push(atAlice! - t0!)
      await hangUp()

      await rawConnect(alice, bob)
      await alice.evaluate(RAW_CALLER_MEDIA)
      await Promise.all([
        alice.evaluate(FIRST_FRAME(RAW_REMOTE)),
        bob.evaluate(FIRST_FRAME(RAW_REMOTE)),
      ])
      const r0 = (await bob.evaluate(RAW_ACCEPT)) as number
      const [rBob, rAlice] = (await Promise.all([
        bob.evaluate('window.__firstFrame'),
        alice.evaluate('window.__firstFrame'),
      ])) as number[]
      raw.callee.push(rBob! - r0)
      raw.caller.push(rAlice! - r0)
    }
    row(
      'Accept → first remote frame, callee',
      `app ${ms(median(app.callee))} · raw ${ms(median(raw.callee))} (medians of ${RUNS}; app ${app.callee.map(ms).join(', ')})`,
    )
    row(
      'Accept → first remote frame, caller',
      `app ${ms(median(app.caller))} · raw ${ms(median(raw.caller))} (raw ${raw.caller.map(ms).join(', ')})`,
    )

    // 2. Frames per second, raw: idle, then with bulk data on the same connection.
    const rawIdle = await fps(bob, RAW_REMOTE, { seconds: IDLE_S })
    let rawMoving = true
    const marks = { high: SEND_QUEUE.high, low: SEND_QUEUE.low }
    const rawSending = (
      alice.evaluate(
        rawSend(MB * MiB, marks).replaceAll('window.__raw.dcs', '[window.__rawm.bulk]'),
      ) as Promise<number>
    ).finally(() => (rawMoving = false))
    const rawBusy = await fps(bob, RAW_REMOTE, { until: () => !rawMoving })
    const rawMs = await rawSending
    row(
      'remote frames/s, raw',
      `${f1(rawIdle)} idle · ${f1(rawBusy)} during ${MB} MiB on a datachannel (${f1(rate(MB * MiB, rawMs))} MiB/s)`,
    )
    await Promise.all([alice.evaluate(RAW_SETUP), bob.evaluate(RAW_SETUP)])

    // App: a file shared before the call (hashing is not the question), downloaded during it.
    const file = await randomFile(dir, `bench-call-${MB}.bin`, MB)
    await share(alice, bob, file, 300_000)
    await conversation(alice).getByRole('button', { name: 'Video call', exact: true }).click()
    await bob.getByRole('button', { name: 'Accept' }).click()
    await bob.getByRole('timer', { name: 'Call duration' }).waitFor()
    await sleep(1000)
    const appIdle = await fps(bob, APP_REMOTE, { seconds: IDLE_S })
    let appMoving = true
    const appDownload = download(bob, file, 600_000).finally(() => (appMoving = false))
    const appBusy = await fps(bob, APP_REMOTE, { until: () => !appMoving })
    const during = await appDownload
    row(
      'remote frames/s, app',
      `${f1(appIdle)} idle · ${f1(appBusy)} during the ${MB} MiB download · ratio to raw ${(appBusy / rawBusy).toFixed(2)} busy, ${(appIdle / rawIdle).toFixed(2)} idle`,
    )
    await hangUp()

    // The same download with no call, for what the call costs it.
    const again = await randomFile(dir, `bench-call-${MB}-no-call.bin`, MB)
    await share(alice, bob, again, 300_000)
    const alone = await download(bob, again, 600_000)
    row(
      'app download speed',
      `${f1(rate(MB * MiB, during.ms))} MiB/s during the call · ${f1(rate(MB * MiB, alone.ms))} MiB/s with no call`,
    )
  } finally {
    await browser?.close().catch(() => {})
    if (dir) rmSync(dir, { recursive: true, force: true })
    await server?.close().catch(() => {})
  }
  const width = Math.max(...rows.map((r) => r.what.length))
  console.log('\nbench:call summary')
  for (const r of rows) console.log(`  ${r.what.padEnd(width)}  ${r.result}`)
  return 0
}

if (import.meta.url === `file://${process.argv[1]}`) {
  benchCall().then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err)
      process.exit(1)
    },
  )
}
