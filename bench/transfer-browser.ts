/**
 * bench:transfer:browser — file transfer in the real app between two Chromium pages (two browser
 * contexts, one finder), next to a raw RTCPeerConnection datachannel between the same two pages
 * with signalling passed by hand. One run measures:
 *
 * 1. raw baseline: 100 MiB generated in the page, ordered datachannel, 64 KiB messages,
 *    `bufferedAmountLowThreshold` backpressure (after a 16 MiB warm-up, like bench:transfer);
 * 2. the app: a 100 MiB random file shared by Alice through "Share file", Bob clicks
 *    "Download <name>"; time from that click to the progressbar at 100 (measured in Bob's page),
 *    the ratio app/raw (goal ≥ 0.8), and the sha256 of what "Save <name>" downloads. A first
 *    16 MiB file warms the session's association (reported apart). Also: main-thread busy time
 *    of each tab (CDP) and CPU used by all of Chromium's processes (from /proc);
 * 3. chat round trip (Enter → "delivered" on Bob's own message) idle, and every ~250 ms during
 *    the app transfer (goal: < 200 ms);
 * 4. a 1 GiB file through the app (OPFS chunk store): MiB/s and the JS heap of both tabs sampled
 *    every 500 ms over CDP (baseline after a GC, peak while seeding, transferring and saving).
 *
 * Flags / env: --no-big or BENCH_BIG=0 skips part 4 · BENCH_TRANSFER_MB (100) ·
 * BENCH_TRANSFER_BIG_MB (1024) · BENCH_RAW_HIGH_KB / BENCH_RAW_LOW_KB (raw send-queue marks,
 * default the app's own: 2048 / 512) · BENCH_PROFILE=<dir> (CPU profiles of both tabs during the
 * app's 100 MiB transfer, with a top-functions summary; this slows the transfer; `--cpu-profile`
 * writes them to a temporary directory) · `--profile`: a Chromium trace of the downloader (Bob)
 * during that transfer, summarised by task origin and trace event (into BENCH_PROFILE or a
 * temporary directory) · CHROMIUM_PATH.
 * Rates are MiB/s (2^20 bytes per second). Not part of `npm test`. `DEBUG=pw:browser` shows
 * Chromium's log, e.g. the "UDP send … failed with error 11" drops behind early SCTP stalls.
 */
import { rmSync } from 'node:fs'
import { mkdtemp } from 'node:fs/promises'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { createFinderServer, type FinderServer } from '../server/index.ts'
import { SEND_QUEUE } from '../src/openpeer/index.ts'
import { launch, launchOnDisk } from './browser.ts'
import { chat, chatText, CHAT_WATCH } from './browser-chat.ts'
import { download, randomFile, saveMatches, share } from './browser-files.ts'
import { connectUsers, contactItem, user, userIn } from './browser-lib.ts'
import {
  browserCpuSeconds,
  browserThreadSeconds,
  topThreads,
  HeapSampler,
  heapOf,
  startProfile,
  stopProfile,
  mainThreadSeconds,
  type Heap,
  type Tab,
} from './browser-metrics.ts'
import { startTrace, stopTrace } from './browser-trace.ts'
import { rawClose, rawConnect, rawSend } from './browser-raw.ts'
import { f1, MiB, mib, rate } from './units.ts'
// @ts-expect-error -- plain ESM helper shared with the npm scripts
import { buildIfStale } from '../scripts/lib.mjs'

const MB = Number(process.env.BENCH_TRANSFER_MB ?? 100)
const BIG_MB =
  process.argv.includes('--no-big') || process.env.BENCH_BIG === '0'
    ? 0
    : Number(process.env.BENCH_TRANSFER_BIG_MB ?? 1024)
const RAW = {
  high: Number(process.env.BENCH_RAW_HIGH_KB ?? SEND_QUEUE.high / 1024) * 1024,
  low: Number(process.env.BENCH_RAW_LOW_KB ?? SEND_QUEUE.low / 1024) * 1024,
}
// Chromium fails a datachannel whose send queue passes 16 MiB.
if (RAW.high > 8 * MiB || RAW.low >= RAW.high) throw new Error('raw marks: low < high ≤ 8 MiB')
/** a directory: CPU-profile both tabs during the app's transfer (perturbs the figures) */
const PROFILE = process.argv.includes('--cpu-profile')
  ? (process.env.BENCH_PROFILE ?? join(tmpdir(), 'bench-transfer-profile'))
  : process.env.BENCH_PROFILE
/** --profile: a Chromium trace of the downloader during the app's transfer, summarised */
const TRACE = process.argv.includes('--profile')
  ? (process.env.BENCH_PROFILE ?? join(tmpdir(), 'bench-transfer-profile'))
  : undefined
const DISK = process.env.BENCH_DISK === '1'
/** the on-disk profiles' browsers, closed before their directories are removed */
const diskContexts: BrowserContext[] = []

/** set by SIGINT/SIGTERM: the errors of calls cut short by the cleanup are not worth printing */
let interrupted = false

interface Row {
  what: string
  result: string
}

async function openTab(browser: Browser, base: string, name: string, dir: string): Promise<Tab> {
  // BENCH_DISK=1: each user in its own on-disk profile (OPFS on disk, as in people's browsers).
  let page: Page
  if (DISK) {
    const context = await launchOnDisk(join(dir, `${name}-profile`), base)
    diskContexts.push(context)
    page = await userIn(context, name)
  } else page = await user(browser, base, name)
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('Performance.enable')
  return { name, page, cdp }
}

export async function benchTransferBrowser(): Promise<number> {
  if ((await buildIfStale()) !== 0) throw new Error('vite build failed')
  const rows: Row[] = []
  const problems: string[] = []
  const row = (what: string, result: string): void => {
    rows.push({ what, result })
    console.log(`  ${what}: ${result}`)
  }

  let dir: string | undefined
  let server: FinderServer | undefined
  let browser: Browser | undefined
  const cleanup = async (): Promise<void> => {
    for (const c of diskContexts.splice(0)) await c.close().catch(() => {})
    await browser?.close().catch(() => {})
    browser = undefined
    if (dir) rmSync(dir, { recursive: true, force: true })
    dir = undefined
    await server?.close().catch(() => {})
    server = undefined
  }
  const onSignal = (signal: NodeJS.Signals): void => {
    interrupted = true
    console.error(`\n${signal}: cleaning up`)
    void cleanup().finally(() => process.exit(130))
  }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)

  try {
    dir = await mkdtemp(join(tmpdir(), 'bench-transfer-browser-'))
    server = await createFinderServer({ port: 0, host: '127.0.0.1', log: () => {} })
    const base = `http://127.0.0.1:${server.address().port}`
    browser = await launch()
    console.log(
      `bench:transfer:browser — Chromium ${browser.version()}, ${MB} MiB` +
        `${BIG_MB ? ` and ${BIG_MB} MiB` : ''}, loopback; raw send queue ${RAW.high / 1024}/${RAW.low / 1024} KiB; ` +
        `load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores`,
    )
    const [alice, bob] = await Promise.all([
      openTab(browser, base, 'Alice', dir),
      openTab(browser, base, 'Bob', dir),
    ])
    await connectUsers(alice.page, 'Alice', bob.page, 'Bob')
    await contactItem(alice.page, 'Bob').click()
    await contactItem(bob.page, 'Alice').click()
    await bob.page.evaluate(CHAT_WATCH)

    // 1. Raw baseline between the same two pages, before and after the app's transfer (the
    // machine's load drifts; the ratio uses their mean). A fresh SCTP association starts with
    // stalls (docs/torrents.md), so 16 MiB warm it up first.
    // Two channels on the raw association: the second one measures parallel channels.
    await rawConnect(alice.page, bob.page, 2)
    const rawWarm = rate(16 * MiB, (await alice.page.evaluate(rawSend(16 * MiB, RAW))) as number)
    const rawRun = async (): Promise<{ rate: number; cores: number; threads: string }> => {
      const cpu0 = browserCpuSeconds()
      const threads0 = browserThreadSeconds()
      const ms = (await alice.page.evaluate(rawSend(MB * MiB, RAW))) as number
      const threads = topThreads(threads0, browserThreadSeconds(), MB)
      return {
        rate: rate(MB * MiB, ms),
        cores: (browserCpuSeconds() - cpu0) / (ms / 1000),
        threads,
      }
    }
    const rawBefore = await rawRun()

    // 3a. Chat round trip with nothing moving.
    const idle = await chat(bob.page, 'idle', { count: 12 })
    row('chat round trip, idle', chatText(idle))

    // 2 + 3b. The app. Its session's association is cold as well: a first 16 MiB file warms it
    // (reported on its own), then the measured file, with chat pings going on, saved and compared.
    const warmFile = await randomFile(dir, 'bench-warm-up.bin', 16)
    await share(alice.page, bob.page, warmFile, 300_000)
    const appWarm = await download(bob.page, warmFile, 300_000)
    rmSync(warmFile.path, { force: true })
    const file = await randomFile(dir, `bench-${MB}.bin`, MB)
    const shareMs = await share(alice.page, bob.page, file, 300_000)
    if (PROFILE) await Promise.all([alice, bob].map(startProfile))
    if (TRACE) await startTrace(bob)
    const busy0 = await Promise.all([alice, bob].map(mainThreadSeconds))
    const cpu0 = browserCpuSeconds()
    const threads0 = browserThreadSeconds()
    const wall0 = performance.now()
    let moving = true
    const during = download(bob.page, file, 600_000).finally(() => (moving = false))
    const pings = chat(bob.page, 'busy', { stop: () => !moving })
    pings.catch(() => {}) // awaited below; not "unhandled" if the download fails first
    const app = await during
    const wallS = (performance.now() - wall0) / 1000
    const appCores = (browserCpuSeconds() - cpu0) / wallS
    const appThreads = topThreads(threads0, browserThreadSeconds(), MB)
    const busy1 = await Promise.all([alice, bob].map(mainThreadSeconds))
    if (PROFILE) for (const tab of [alice, bob]) await stopProfile(tab, PROFILE)
    if (TRACE) await stopTrace(bob, TRACE)
    const duringChat = await pings
    const rawAfter = await rawRun()
    const rawTwoMs = (await alice.page.evaluate(rawSend(MB * MiB, RAW, { channels: 2 }))) as number
    await rawClose(alice.page, bob.page)

    const rawRate = (rawBefore.rate + rawAfter.rate) / 2
    row(
      'raw datachannel',
      `${f1(rawRate)} MiB/s (${f1(rawBefore.rate)} before, ${f1(rawAfter.rate)} after the ` +
        `app's; the 16 MiB warm-up ran at ${f1(rawWarm)})`,
    )
    row(
      'raw, two channels at once',
      `${f1(rate(MB * MiB, rawTwoMs))} MiB/s · ratio to one channel ` +
        `${(rate(MB * MiB, rawTwoMs) / rawRate).toFixed(2)}`,
    )
    const appRate = rate(MB * MiB, app.ms)
    row(
      'app, Download click → 100 %',
      `${f1(appRate)} MiB/s · ratio app/raw ${(appRate / rawRate).toFixed(2)} (goal ≥ 0.8)`,
    )
    row(
      'app, details',
      `${f1(app.ms / 1000)} s; ≥ 1 % after ${app.firstProgressMs.toFixed(0)} ms; ` +
        `sharing (hash + store, until Bob sees the card) took ${f1(shareMs / 1000)} s`,
    )
    row(
      'app, first file on the session',
      `16 MiB at ${f1(rate(16 * MiB, appWarm.ms))} MiB/s (cold association; ≥ 1 % ` +
        `after ${appWarm.firstProgressMs.toFixed(0)} ms)`,
    )
    const busyPct = (i: number, k: 'task' | 'cpu'): string =>
      `${Math.round(((busy1[i]![k] - busy0[i]![k]) / wallS) * 100)} %`
    const cpuPerMiB = (i: number): string =>
      `${(((busy1[i]!.cpu - busy0[i]!.cpu) * 1000) / MB).toFixed(0)} ms/MiB`
    row(
      'main thread busy, app',
      `in tasks (wall): Alice ${busyPct(0, 'task')} · Bob ${busyPct(1, 'task')}; on a core: ` +
        `Alice ${busyPct(0, 'cpu')} (${cpuPerMiB(0)}) · Bob ${busyPct(1, 'cpu')} (${cpuPerMiB(1)})`,
    )
    const cores = (n: number): string => `${n.toFixed(2)} cores`
    row(
      'browser CPU (all processes)',
      `raw ${cores((rawBefore.cores + rawAfter.cores) / 2)} · app ${cores(appCores)} ` +
        `(machine: ${cpus().length} cores)`,
    )
    // Which threads the CPU went to, in ms per MiB (process type / thread name; both tabs'
    // renderers summed): where the app spends more per byte than the raw channel does.
    row('busiest threads, raw (ms/MiB)', rawAfter.threads)
    row('busiest threads, app (ms/MiB)', appThreads)
    row('chat round trip during app', `${chatText(duringChat)} (goal < 200 ms)`)
    const slow = duringChat.ms
      .map((ms, i) => ({ ms, at: (duringChat.at[i]! - app.clickAt) / 1000 }))
      .filter((m) => m.ms > 500)
    if (slow.length) {
      row(
        'chat > 500 ms, sent at',
        slow.map((m) => `+${f1(m.at)} s (${m.ms.toFixed(0)} ms)`).join(', '),
      )
    }
    const same = await saveMatches(bob.page, file, 300_000)
    row('saved file sha256', same ? 'equal' : 'DIFFERENT')
    if (!same) problems.push(`${file.name}: saved sha256 differs from the original`)
    rmSync(file.path, { force: true })

    // 4. Heap of both tabs while a big file goes through OPFS.
    if (BIG_MB > 0) {
      const big = await randomFile(dir, `bench-big-${BIG_MB}.bin`, BIG_MB)
      const tabs = [alice, bob]
      await Promise.all(tabs.map((t) => t.cdp.send('HeapProfiler.collectGarbage')))
      const baseline = await Promise.all(tabs.map(heapOf))
      const sampler = new HeapSampler(tabs)
      try {
        const bigShareMs = await share(alice.page, bob.page, big, 1_800_000)
        const seeding = await sampler.phase()
        const moved = await download(bob.page, big, 3_600_000)
        const transferring = await sampler.phase()
        let saved: string
        try {
          const ok = await saveMatches(bob.page, big, 1_800_000)
          saved = ok ? 'sha256 equal' : 'sha256 DIFFERENT'
          if (!ok) problems.push(`${big.name}: saved sha256 differs from the original`)
        } catch (err) {
          saved = `save failed: ${(err as Error).message.split('\n')[0]}`
          problems.push(`${big.name}: ${saved}`)
        }
        const saving = await sampler.phase()
        row(
          `${BIG_MB} MiB via OPFS`,
          `${f1(rate(BIG_MB * MiB, moved.ms))} MiB/s (≥ 1 % after ` +
            `${moved.firstProgressMs.toFixed(0)} ms); sharing took ${f1(bigShareMs / 1000)} s; ${saved}`,
        )
        tabs.forEach((t, i) => {
          const b = baseline[i]!
          const phases = [seeding[i]!, transferring[i]!, saving[i]!]
          const peak = Math.max(...phases.map((p) => p.heap))
          const each = (k: keyof Heap): string => phases.map((p) => f1(p[k] / MiB)).join(' / ')
          row(
            `${t.name} JS heap`,
            `baseline ${mib(b.heap)} · peak ${mib(peak)} · growth ${mib(peak - b.heap)} ` +
              `(peaks seeding / transferring / saving: ${each('heap')} MiB)`,
          )
          row(
            `${t.name} ArrayBuffers`,
            `baseline ${mib(b.buffers)} · peaks seeding / transferring / saving: ${each('buffers')} MiB`,
          )
        })
      } finally {
        sampler.stop()
        rmSync(big.path, { force: true })
      }
    }
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    await cleanup()
  }

  const width = Math.max(...rows.map((r) => r.what.length))
  console.log('\nbench:transfer:browser summary')
  for (const r of rows) console.log(`  ${r.what.padEnd(width)}  ${r.result}`)
  for (const p of problems) console.error(`PROBLEM: ${p}`)
  return problems.length ? 1 : 0
}

if (import.meta.url === `file://${process.argv[1]}`) {
  benchTransferBrowser().then(
    (code) => process.exit(code),
    (err: unknown) => {
      if (interrupted) return // the signal handler exits once everything is cleaned up
      console.error(err)
      process.exit(1)
    },
  )
}
