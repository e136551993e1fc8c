/**
 * bench:transfer:cold — the first megabytes on a fresh SCTP association between two Chromium
 * pages (plain RTCPeerConnection, signalled by hand, no app): does the message size, the
 * send-queue marks or a small warm-up avoid the 0.3–3 s stalls (Chromium logs bursts of
 * "UDP send … failed with error 11" then)? Each setting gets a new connection per run; printed:
 * MiB/s over the first BENCH_COLD_MB (16) MiB, the longest pause the receiver saw between two
 * messages, and how many "error 11" lines Chromium logged during the runs of that setting.
 *
 * Env: BENCH_COLD_MB (16) · BENCH_RUNS (3).
 */
import { cpus, loadavg } from 'node:os'
import type { Page } from 'playwright-core'
// @ts-expect-error -- plain ESM helper shared with the npm scripts
import { findChromium } from '../scripts/find-chromium.mjs'
import { CHROMIUM_ARGS } from '../scripts/chromium-args.ts'
import { stats } from './browser.ts'
import { rawClose, rawConnect, rawGap, rawSend } from './browser-raw.ts'
import { f1, MiB, rate, sleep } from './units.ts'

const MB = Number(process.env.BENCH_COLD_MB ?? 16)
const RUNS = Number(process.env.BENCH_RUNS ?? 3)
const KiB = 1024

interface Setting {
  what: string
  message: number
  high: number
  low: number
  /** bytes sent first, then a pause, before the measured transfer */
  warm?: number
}

const SETTINGS: Setting[] = [
  {
    what: '64 KiB messages, 2 MiB/512 KiB marks (the app)',
    message: 64 * KiB,
    high: 2 * MiB,
    low: 512 * KiB,
  },
  { what: '16 KiB messages, 2 MiB/512 KiB', message: 16 * KiB, high: 2 * MiB, low: 512 * KiB },
  { what: '256 KiB messages, 2 MiB/512 KiB', message: 256 * KiB, high: 2 * MiB, low: 512 * KiB },
  { what: '64 KiB messages, 256/64 KiB marks', message: 64 * KiB, high: 256 * KiB, low: 64 * KiB },
  { what: '64 KiB messages, 8 MiB/2 MiB marks', message: 64 * KiB, high: 8 * MiB, low: 2 * MiB },
  {
    what: '64 KiB, 2 MiB/512 KiB after a 1 MiB warm-up at 256 KiB marks',
    message: 64 * KiB,
    high: 2 * MiB,
    low: 512 * KiB,
    warm: MiB,
  },
]

/** "UDP send of … failed with error 11" lines in Chromium's log since the start */
let udpErrors = 0

/**
 * Chromium's log reaches us only through Playwright's `pw:browser` debug channel (stderr): turn
 * it on before Playwright loads, count the drops, and keep the rest of it off the terminal.
 */
function countChromiumDrops(): void {
  process.env.DEBUG = [process.env.DEBUG, 'pw:browser'].filter(Boolean).join(',')
  const write = process.stderr.write.bind(process.stderr) as (...a: unknown[]) => boolean
  process.stderr.write = ((chunk: unknown, ...rest: unknown[]): boolean => {
    const text = String(chunk)
    if (!text.includes('pw:browser')) return write(chunk, ...rest)
    udpErrors += text.match(/failed with error 11/g)?.length ?? 0
    return true
  }) as typeof process.stderr.write
}

async function main(): Promise<void> {
  countChromiumDrops()
  const { chromium } = await import('playwright-core')
  const executablePath = (await findChromium()) as string
  const browser = await chromium.launch({ executablePath, args: [...CHROMIUM_ARGS] })
  console.log(
    `bench:transfer:cold — Chromium ${browser.version()}, first ${MB} MiB on a new association, ` +
      `${RUNS} runs per setting; load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores`,
  )
  const ctx = (): Promise<Page> =>
    browser
      .newContext({ permissions: ['camera', 'microphone'] })
      .then((c) => c.newPage())
      .then(async (p) => {
        await p.goto('about:blank')
        return p
      })
  const [a, b] = await Promise.all([ctx(), ctx()])
  const rows: string[] = []
  try {
    for (const s of SETTINGS) {
      const rates: number[] = []
      const gaps: number[] = []
      const errors0 = udpErrors
      for (let i = 0; i < RUNS; i++) {
        await rawConnect(a, b)
        if (s.warm) {
          await a.evaluate(
            rawSend(s.warm, { high: 256 * KiB, low: 64 * KiB }, { message: s.message }),
          )
          await sleep(100)
        }
        const ms = (await a.evaluate(
          rawSend(MB * MiB, { high: s.high, low: s.low }, { message: s.message }),
        )) as number
        rates.push(rate(MB * MiB, ms))
        gaps.push((await b.evaluate(rawGap)) as number)
        await rawClose(a, b)
        await sleep(200)
      }
      const r = stats(rates)
      const g = stats(gaps)
      const line =
        `${s.what}: median ${f1(r.median)} MiB/s (${rates.map(f1).join(', ')}); longest pause ` +
        `median ${g.median.toFixed(0)} ms, max ${g.max.toFixed(0)} ms; "error 11" lines ${udpErrors - errors0}`
      rows.push(line)
      console.log(`  ${line}`)
    }
  } finally {
    await browser.close()
  }
  console.log('\nbench:transfer:cold summary')
  for (const r of rows) console.log(`  ${r}`)
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err)
    process.exit(1)
  },
)
