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
 * app's 100 MiB transfer, with a top-functions summary; this slows the transfer) · CHROMIUM_PATH.
 * Rates are MiB/s (2^20 bytes per second). Not part of `npm test`. `DEBUG=pw:browser` shows
 * Chromium's log, e.g. the "UDP send … failed with error 11" drops behind early SCTP stalls.
 */
import { createHash, randomBytes } from 'node:crypto'
import {
  createReadStream,
  createWriteStream,
  existsSync,
  readFileSync,
  readdirSync,
  rmSync,
} from 'node:fs'
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core'
import { createFinderServer, type FinderServer } from '../server/index.ts'
import { SEND_QUEUE } from '../src/openpeer/index.ts'
import { launch, launchOnDisk, stats } from './browser.ts'
import { connectUsers, contactItem, conversation, user, userIn } from './browser-lib.ts'
// @ts-expect-error -- plain ESM helper shared with the npm scripts
import { buildIfStale } from '../scripts/lib.mjs'

const MiB = 1024 * 1024
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
const PROFILE = process.env.BENCH_PROFILE
const DISK = process.env.BENCH_DISK === '1'
/** the on-disk profiles' browsers, closed before their directories are removed */
const diskContexts: BrowserContext[] = []
const CHAT_EVERY_MS = 250
const SAMPLE_EVERY_MS = 500

/** set by SIGINT/SIGTERM: the errors of calls cut short by the cleanup are not worth printing */
let interrupted = false

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))
const rate = (bytes: number, ms: number): number => bytes / MiB / (ms / 1000)
const f1 = (n: number): string => n.toFixed(1)
const mib = (n: number): string => `${f1(n / MiB)} MiB`

interface Tab {
  name: string
  page: Page
  cdp: CDPSession
}

interface TestFile {
  name: string
  path: string
  size: number
  sha256: string
}

/** A file of random bytes written 1 MiB at a time (never whole in memory), hashed on the way. */
async function randomFile(dir: string, name: string, mb: number): Promise<TestFile> {
  const path = join(dir, name)
  const out = createWriteStream(path)
  const hash = createHash('sha256')
  for (let i = 0; i < mb; i++) {
    const chunk = randomBytes(MiB)
    hash.update(chunk)
    if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()))
  }
  await new Promise<void>((resolve, reject) => {
    out.once('error', reject)
    out.end(() => resolve())
  })
  return { name, path, size: mb * MiB, sha256: hash.digest('hex') }
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

// ---------------------------------------------------------------------------------------------
// Raw baseline. In-page code goes as strings: tsx's keepNames helpers (`__name`) do not exist
// in the page.

const RAW_SETUP = `(() => {
  const pc = new RTCPeerConnection({ iceServers: [] })
  const raw = { pc, cands: [], dc: null }
  window.__raw = raw
  pc.onicecandidate = (e) => e.candidate && raw.cands.push(e.candidate.toJSON())
  // Receiver: a text "size:N" starts a transfer; "done" goes back once N bytes arrived.
  pc.ondatachannel = (e) => {
    const dc = e.channel
    dc.binaryType = 'arraybuffer'
    let want = 0
    let got = 0
    dc.onmessage = (m) => {
      if (typeof m.data === 'string') {
        want = Number(m.data.slice(5))
        got = 0
        return
      }
      got += m.data.byteLength
      if (got === want) dc.send('done')
    }
  }
})()`

/** Sends `bytes` from this page's channel; resolves to ms from the first byte to the receiver's "done". */
const rawSend = (bytes: number): string => `(async () => {
  const dc = window.__raw.dc
  const pool = new Uint8Array(${MiB})
  for (let i = 0; i < pool.length; i += 65536) crypto.getRandomValues(pool.subarray(i, i + 65536))
  dc.bufferedAmountLowThreshold = ${RAW.low}
  const done = new Promise((r) => (dc.onmessage = (m) => m.data === 'done' && r()))
  dc.send('size:${bytes}')
  const t0 = performance.now()
  let sent = 0
  while (sent < ${bytes}) {
    if (dc.bufferedAmount > ${RAW.high}) {
      await new Promise((r) => dc.addEventListener('bufferedamountlow', r, { once: true }))
      continue
    }
    const n = Math.min(65536, ${bytes} - sent)
    const at = sent % pool.length
    dc.send(pool.subarray(at, at + n))
    sent += n
  }
  await done
  return performance.now() - t0
})()`

/** Opens a plain datachannel between the two pages: offer, answer and trickled candidates by hand. */
async function rawConnect(a: Page, b: Page): Promise<void> {
  await Promise.all([a.evaluate(RAW_SETUP), b.evaluate(RAW_SETUP)])
  const offer = await a.evaluate(`(async () => {
    const raw = window.__raw
    raw.dc = raw.pc.createDataChannel('bench-raw', { ordered: true })
    raw.dc.binaryType = 'arraybuffer'
    await raw.pc.setLocalDescription(await raw.pc.createOffer())
    return raw.pc.localDescription.toJSON()
  })()`)
  const answer = await b.evaluate(`(async () => {
    const pc = window.__raw.pc
    await pc.setRemoteDescription(${JSON.stringify(offer)})
    await pc.setLocalDescription(await pc.createAnswer())
    return pc.localDescription.toJSON()
  })()`)
  await a.evaluate(`window.__raw.pc.setRemoteDescription(${JSON.stringify(answer)})`)
  const take = 'window.__raw.cands.splice(0)'
  const add = (cs: unknown): string =>
    `Promise.all(${JSON.stringify(cs)}.map((c) => window.__raw.pc.addIceCandidate(c)))`
  const deadline = Date.now() + 15_000
  while (!(await a.evaluate(`window.__raw.dc.readyState === 'open'`))) {
    if (Date.now() > deadline) throw new Error('raw datachannel did not open in 15 s')
    const [fromA, fromB] = await Promise.all([a.evaluate(take), b.evaluate(take)])
    await Promise.all([b.evaluate(add(fromA)), a.evaluate(add(fromB))])
    await sleep(20)
  }
}

async function rawClose(a: Page, b: Page): Promise<void> {
  await Promise.all([a.evaluate('window.__raw.pc.close()'), b.evaluate('window.__raw.pc.close()')])
}

// ---------------------------------------------------------------------------------------------
// Chat round trip, measured in the sender's page: from the Enter keydown's timestamp (so time
// the event waited for a busy main thread counts) to the message's mark reading "delivered"/"read".

const CHAT_WATCH = `(() => {
  if (window.__chat) return
  const pending = new Map()
  const done = new Map()
  document.addEventListener('keydown', (e) => {
    const t = e.target
    if (e.key === 'Enter' && !e.shiftKey && t instanceof HTMLTextAreaElement && t.value.trim())
      pending.set(t.value, e.timeStamp)
  }, true)
  const check = () => {
    if (!pending.size) return
    const now = performance.now()
    const items = document.querySelectorAll('[aria-label="Conversation"] [role="log"] li')
    for (const li of items) {
      const text = li.firstElementChild && li.firstElementChild.textContent
      if (!pending.has(text)) continue
      const marks = [...li.querySelectorAll('span')].map((m) => m.textContent.trim())
      if (marks.includes('delivered') || marks.includes('read')) {
        done.set(text, [pending.get(text), now - pending.get(text)])
        pending.delete(text)
      }
    }
  }
  new MutationObserver(check).observe(document.body, {
    subtree: true, childList: true, characterData: true, attributes: true,
  })
  window.__chat = {
    results: (prefix) => ({
      ms: [...done].filter(([t]) => t.startsWith(prefix)).map(([, [, ms]]) => ms),
      at: [...done].filter(([t]) => t.startsWith(prefix)).map(([, [at]]) => at),
      pending: [...pending.keys()].filter((t) => t.startsWith(prefix)).length,
    }),
  }
})()`

interface ChatResult {
  /** round trips, in the order sent */
  ms: number[]
  /** when each was sent (the Enter keydown), in the page's performance.now() time */
  at: number[]
  pending: number
}

/** Sends "<prefix> <n>" every ~250 ms until `stop()` (or `count` messages), then collects the RTTs. */
async function chat(
  page: Page,
  prefix: string,
  until: { stop?: () => boolean; count?: number },
): Promise<ChatResult> {
  const box = conversation(page).getByRole('textbox', { name: 'Message' })
  for (let i = 0; until.stop ? !until.stop() : i < (until.count ?? 0); i++) {
    const t0 = Date.now()
    await box.fill(`${prefix} ${i}`)
    await box.press('Enter')
    await sleep(Math.max(0, CHAT_EVERY_MS - (Date.now() - t0)))
  }
  const deadline = Date.now() + 15_000
  for (;;) {
    const r = (await page.evaluate(
      `window.__chat.results(${JSON.stringify(prefix)})`,
    )) as ChatResult
    if (r.pending === 0 || Date.now() > deadline) return r
    await sleep(100)
  }
}

function chatText(r: ChatResult): string {
  if (!r.ms.length) return `no message delivered (${r.pending} pending)`
  const s = stats(r.ms)
  const lost = r.pending ? `, ${r.pending} not delivered within 15 s` : ''
  return `median ${s.median.toFixed(0)} ms · p95 ${s.p95.toFixed(0)} · max ${s.max.toFixed(0)} ms (${r.ms.length} msgs${lost})`
}

// ---------------------------------------------------------------------------------------------
// The app's file transfer.

/**
 * Watches, in the downloader's page, for the click on "Download <name>" and the progressbar
 * reaching 100; resolves to ms from the click's timestamp to 100 %, and to the first progress.
 */
const DOWNLOAD_WATCH = (name: string): string => `(() => {
  const label = ${JSON.stringify(`Download ${name}`)}
  const bar = '[role="progressbar"][aria-label=' + ${JSON.stringify(JSON.stringify(`${name} progress`))} + ']'
  window.__download = new Promise((resolve) => {
    let t0 = null
    let first = null
    document.addEventListener('click', (e) => {
      const b = e.target instanceof Element && e.target.closest('button')
      if (b && b.textContent.trim() === label && t0 === null) t0 = e.timeStamp
    }, true)
    const observer = new MutationObserver(() => {
      const el = document.querySelector(bar)
      if (t0 === null || !el) return
      const pct = Number(el.getAttribute('aria-valuenow'))
      const now = performance.now()
      if (first === null && pct > 0) first = now - t0
      if (pct >= 100) {
        observer.disconnect()
        resolve({ ms: now - t0, firstProgressMs: first ?? now - t0, clickAt: t0 })
      }
    })
    observer.observe(document.body, { subtree: true, childList: true, attributes: true })
  })
})()`

async function share(alice: Page, bob: Page, file: TestFile, timeout: number): Promise<number> {
  const t0 = performance.now()
  await conversation(alice).getByLabel('Share file').setInputFiles(file.path)
  await conversation(bob)
    .getByRole('button', { name: `Download ${file.name}` })
    .waitFor({ timeout })
  return performance.now() - t0
}

interface Downloaded {
  ms: number
  /** ms from the click to the bar first above 0 (its steps are whole percents) */
  firstProgressMs: number
  /** the click's timestamp in the page's performance.now() time */
  clickAt: number
}

/** Clicks Download and resolves when the bar reads 100 (both times measured in Bob's page). */
async function download(bob: Page, file: TestFile, timeout: number): Promise<Downloaded> {
  await bob.evaluate(DOWNLOAD_WATCH(file.name))
  const done = bob.evaluate('window.__download') as Promise<Downloaded>
  done.catch(() => {}) // raced below; a page closed after a timeout rejects it later
  await conversation(bob)
    .getByRole('button', { name: `Download ${file.name}` })
    .click()
  let timer: ReturnType<typeof setTimeout> | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${file.name}: not at 100 % in ${timeout} ms`)),
      timeout,
    )
  })
  try {
    return await Promise.race([done, late])
  } finally {
    clearTimeout(timer)
  }
}

/** Clicks "Save <name>", waits for the download and returns whether its sha256 is the original's. */
async function saveMatches(bob: Page, file: TestFile, timeout: number): Promise<boolean> {
  const saving = bob.waitForEvent('download', { timeout })
  saving.catch(() => {}) // awaited below, unless the click fails first
  await conversation(bob)
    .getByRole('button', { name: `Save ${file.name}` })
    .click()
  const dl = await saving
  const path = await dl.path()
  try {
    return (await sha256Of(path)) === file.sha256
  } finally {
    await dl.delete()
  }
}

// ---------------------------------------------------------------------------------------------
// CDP: JS heap and main-thread time of a tab.

interface Heap {
  heap: number
  /** ArrayBuffer backing stores and external strings (when this Chromium reports it) */
  buffers: number
}

async function heapOf(tab: Tab): Promise<Heap> {
  const r = (await tab.cdp.send('Runtime.getHeapUsage')) as {
    usedSize: number
    backingStorageSize?: number
  }
  return { heap: r.usedSize, buffers: r.backingStorageSize ?? NaN }
}

/** Peak heap of each tab, sampled every 500 ms; `phase()` returns the peaks so far and restarts. */
class HeapSampler {
  private peaks: Heap[]
  private readonly timer: ReturnType<typeof setInterval>
  private busy = false

  constructor(private readonly tabs: Tab[]) {
    this.peaks = tabs.map(() => ({ heap: 0, buffers: 0 }))
    this.timer = setInterval(() => void this.sample(), SAMPLE_EVERY_MS)
  }

  async sample(): Promise<void> {
    if (this.busy) return
    this.busy = true
    try {
      const now = await Promise.all(this.tabs.map(heapOf))
      now.forEach((h, i) => {
        const p = this.peaks[i]!
        p.heap = Math.max(p.heap, h.heap)
        p.buffers = Math.max(p.buffers, h.buffers)
      })
    } catch {
      // a page busy navigating or closing: skip this sample
    } finally {
      this.busy = false
    }
  }

  async phase(): Promise<Heap[]> {
    await this.sample()
    const peaks = this.peaks
    this.peaks = this.tabs.map(() => ({ heap: 0, buffers: 0 }))
    return peaks
  }

  stop(): void {
    clearInterval(this.timer)
  }
}

/** Seconds the tab's main thread spent in tasks so far (CDP Performance.TaskDuration). */
async function taskSeconds(tab: Tab): Promise<number> {
  const { metrics } = (await tab.cdp.send('Performance.getMetrics')) as {
    metrics: { name: string; value: number }[]
  }
  return metrics.find((m) => m.name === 'TaskDuration')?.value ?? NaN
}

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
}

async function startProfile(tab: Tab): Promise<void> {
  await tab.cdp.send('Profiler.enable')
  await tab.cdp.send('Profiler.setSamplingInterval', { interval: 500 })
  await tab.cdp.send('Profiler.start')
}

/** Writes <dir>/<tab>.cpuprofile and prints the functions with the most self time. */
async function stopProfile(tab: Tab, dir: string): Promise<void> {
  const { profile } = (await tab.cdp.send('Profiler.stop')) as {
    profile: {
      nodes: ProfileNode[]
      samples: number[]
      timeDeltas: number[]
      startTime: number
      endTime: number
    }
  }
  await mkdir(dir, { recursive: true })
  const file = join(dir, `${tab.name.toLowerCase()}.cpuprofile`)
  await writeFile(file, JSON.stringify(profile))
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const self = new Map<string, number>()
  profile.samples.forEach((id, i) => {
    const f = byId.get(id)!.callFrame
    const where = f.url ? ` ${f.url.replace(/^.*\//, '')}:${f.lineNumber + 1}` : ''
    const key = `${f.functionName || '(anonymous)'}${where}`
    // timeDeltas[i] is the time before sample i; attribute it to that sample
    self.set(key, (self.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0))
  })
  const total = profile.endTime - profile.startTime
  const top = [...self].sort((a, b) => b[1] - a[1]).slice(0, 12)
  console.log(`  ${tab.name} CPU profile (${file}), self time of ${f1(total / 1e6)} s:`)
  for (const [key, us] of top) {
    console.log(`    ${((us / total) * 100).toFixed(1).padStart(5)} %  ${key}`)
  }
}

/**
 * CPU seconds used so far by this process's descendants (Chromium's processes), from /proc;
 * NaN where there is no /proc. Processes that already exited are not counted.
 */
function browserCpuSeconds(): number {
  if (!existsSync('/proc/self/stat')) return NaN
  const parent = new Map<number, number>()
  const ticks = new Map<number, number>()
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8')
      // after "pid (comm) ": state ppid … utime (12th) stime (13th)
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      parent.set(Number(name), Number(f[1]))
      ticks.set(Number(name), Number(f[11]) + Number(f[12]))
    } catch {
      // exited while we looked
    }
  }
  let total = 0
  for (const [pid, t] of ticks) {
    for (let p = parent.get(pid); p !== undefined && p > 1; p = parent.get(p)) {
      if (p === process.pid) {
        total += t
        break
      }
    }
  }
  return total / 100 // USER_HZ is 100 on Linux
}

// ---------------------------------------------------------------------------------------------

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
    await rawConnect(alice.page, bob.page)
    const rawWarm = rate(16 * MiB, (await alice.page.evaluate(rawSend(16 * MiB))) as number)
    const rawRun = async (): Promise<{ rate: number; cores: number }> => {
      const cpu0 = browserCpuSeconds()
      const ms = (await alice.page.evaluate(rawSend(MB * MiB))) as number
      return { rate: rate(MB * MiB, ms), cores: (browserCpuSeconds() - cpu0) / (ms / 1000) }
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
    const busy0 = await Promise.all([alice, bob].map(taskSeconds))
    const cpu0 = browserCpuSeconds()
    const wall0 = performance.now()
    let moving = true
    const during = download(bob.page, file, 600_000).finally(() => (moving = false))
    const pings = chat(bob.page, 'busy', { stop: () => !moving })
    pings.catch(() => {}) // awaited below; not "unhandled" if the download fails first
    const app = await during
    const wallS = (performance.now() - wall0) / 1000
    const appCores = (browserCpuSeconds() - cpu0) / wallS
    const busy1 = await Promise.all([alice, bob].map(taskSeconds))
    if (PROFILE) for (const tab of [alice, bob]) await stopProfile(tab, PROFILE)
    const duringChat = await pings
    const rawAfter = await rawRun()
    await rawClose(alice.page, bob.page)

    const rawRate = (rawBefore.rate + rawAfter.rate) / 2
    row(
      'raw datachannel',
      `${f1(rawRate)} MiB/s (${f1(rawBefore.rate)} before, ${f1(rawAfter.rate)} after the ` +
        `app's; the 16 MiB warm-up ran at ${f1(rawWarm)})`,
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
    const busyPct = (i: number): string =>
      `${Math.round(((busy1[i]! - busy0[i]!) / wallS) * 100)} %`
    row('main thread busy, app', `Alice ${busyPct(0)} · Bob ${busyPct(1)}`)
    const cores = (n: number): string => `${n.toFixed(2)} cores`
    row(
      'browser CPU (all processes)',
      `raw ${cores((rawBefore.cores + rawAfter.cores) / 2)} · app ${cores(appCores)} ` +
        `(machine: ${cpus().length} cores)`,
    )
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
