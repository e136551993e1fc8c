/**
 * bench:first-paint — how soon a first visit on a mid-range phone shows something. Two figures:
 *
 * - the initial JavaScript: the scripts index.html loads (entry and modulepreloads), gzipped as
 *   the server sends them (`.gz` beside each file, scripts/precompress.ts), against a budget of
 *   150 KB;
 * - first contentful paint of `/` in a fresh context (no cache, no service worker) with the CPU
 *   slowed 4× (CDP Emulation.setCPUThrottlingRate) and a slow 4G link (Lighthouse's mobile
 *   profile as DevTools applies it: 562.5 ms round trip, 1.47 Mbit/s down, 675 kbit/s up), next
 *   to a blank HTML page with no app code, served over the same loopback in the same run;
 * - for the app, when the first-run screen can be used (its "Display name" box is in the page):
 *   that waits for the client chunk main.tsx imports after the first render.
 *
 * The byte count of a whole first visit is bench:first-visit; this one is about time to paint.
 */
import { readFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { createFinderServer } from '../server/index.ts'
import { launch } from './browser.ts'
// @ts-expect-error -- plain ESM helper shared with the npm scripts
import { buildIfStale } from '../scripts/lib.mjs'

const BUDGET = 150_000
const RUNS = 3
const CPU_SLOWDOWN = 4
const SLOW_4G = {
  offline: false,
  latency: 562.5,
  downloadThroughput: (1474.56 * 1024) / 8,
  uploadThroughput: (675 * 1024) / 8,
}
const BLANK = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport"
content="width=device-width, initial-scale=1"><title>Blank</title></head><body><p>Open Peer Web</p>
</body></html>`

/** The scripts index.html loads before anything else: its entry and the modulepreloads. */
async function initialScripts(): Promise<{ file: string; gzip: number }[]> {
  const html = await readFile('dist/index.html', 'utf8')
  const files = [...html.matchAll(/<(?:script|link)[^>]+(?:src|href)="\/([^"]+\.js)"/g)].map(
    (m) => m[1]!,
  )
  return Promise.all(
    files.map(async (file) => ({
      file,
      gzip: (await readFile(join('dist', `${file}.gz`))).length,
    })),
  )
}

/** A first visit of `url` in a fresh context on the throttled phone: when it painted, and (for
 * the app) when the first-run screen's name box appeared, ms from navigation. */
async function firstVisit(
  browser: Browser,
  url: string,
  waitForName: boolean,
): Promise<{ fcp: number; name: number }> {
  const context = await browser.newContext({ viewport: { width: 360, height: 740 } })
  try {
    await context.addInitScript(() => {
      new MutationObserver((_, observer) => {
        if (!document.getElementById('display-name')) return
        ;(window as { nameShown?: number }).nameShown = performance.now()
        observer.disconnect()
      }).observe(document, { childList: true, subtree: true })
    })
    const page = await context.newPage()
    const cdp = await context.newCDPSession(page)
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: CPU_SLOWDOWN })
    await cdp.send('Network.enable')
    await cdp.send('Network.emulateNetworkConditions', SLOW_4G)
    await page.goto(url, { waitUntil: 'commit' })
    const fcp = await page.evaluate(
      () =>
        new Promise<number>((resolve) => {
          new PerformanceObserver((list) => {
            const entry = list.getEntriesByName('first-contentful-paint')[0]
            if (entry) resolve(entry.startTime)
          }).observe({ type: 'paint', buffered: true })
        }),
    )
    if (!waitForName) return { fcp, name: NaN }
    const name = await page.waitForFunction(
      () => (window as { nameShown?: number }).nameShown,
      null,
      { timeout: 120_000, polling: 250 },
    )
    return { fcp, name: (await name.jsonValue()) as number }
  } finally {
    await context.close()
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

export async function benchFirstPaint(): Promise<void> {
  if ((await buildIfStale()) !== 0) throw new Error('vite build failed')
  const scripts = await initialScripts()
  const total = scripts.reduce((n, s) => n + s.gzip, 0)
  const app = await createFinderServer({ port: 0, host: '127.0.0.1', log: () => {} })
  const blank = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(BLANK)
  })
  await new Promise<void>((resolve) => blank.listen(0, '127.0.0.1', resolve))
  const blankUrl = `http://127.0.0.1:${(blank.address() as { port: number }).port}/`
  const appUrl = `http://127.0.0.1:${app.address().port}/`
  const browser = await launch()
  try {
    const appRuns: number[] = []
    const nameRuns: number[] = []
    const blankRuns: number[] = []
    // Interleaved, so a busy moment of the machine falls on both.
    for (let i = 0; i < RUNS; i++) {
      blankRuns.push((await firstVisit(browser, blankUrl, false)).fcp)
      const app = await firstVisit(browser, appUrl, true)
      appRuns.push(app.fcp)
      nameRuns.push(app.name)
    }
    const kb = (n: number): string => `${(n / 1000).toFixed(1)} KB`
    const ms = (n: number): string => `${Math.round(n)} ms`
    console.log(`bench:first-paint (Chromium ${browser.version()})`)
    console.log(
      `  initial JS, gzip: ${kb(total)} (budget ${kb(BUDGET)}: ${total <= BUDGET ? 'within' : 'OVER'})`,
    )
    for (const s of scripts) console.log(`    ${s.file.padEnd(40)} ${kb(s.gzip)}`)
    console.log(
      `  first contentful paint, ${CPU_SLOWDOWN}× CPU slowdown, slow 4G, 360×740, medians of ${RUNS}:`,
    )
    const a = median(appRuns)
    const b = median(blankRuns)
    console.log(`    app ${ms(a)}   blank page ${ms(b)}   ratio ${(a / b).toFixed(2)}×`)
    console.log(
      `    runs: app ${appRuns.map(ms).join(', ')}; blank ${blankRuns.map(ms).join(', ')}`,
    )
    console.log(
      `  first-run screen usable (the name box), same phone: ${ms(median(nameRuns))} (runs ${nameRuns.map(ms).join(', ')})`,
    )
  } finally {
    await browser.close()
    await new Promise((resolve) => blank.close(resolve))
    await app.close()
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  benchFirstPaint().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err)
      process.exit(1)
    },
  )
}
