/**
 * bench:first-visit — the bytes a first visit moves from the server to the browser. A fresh
 * browser context opens `/` through a byte-counting TCP proxy in front of the real server, so
 * what is counted is what crosses the wire, headers included (the finder's WebSocket is left
 * out). Two figures: until the page's load event (index.html and what it loads), and once the
 * service worker has precached the rest of the app. Baseline in the same run: the same visit
 * asking for `Accept-Encoding: identity`, what a server without compression sends.
 */
import { connect, createServer, type Server } from 'node:net'
import type { Browser } from 'playwright-core'
import { createFinderServer } from '../server/index.ts'
import { launch } from './browser.ts'
import { sleep } from './units.ts'
// @ts-expect-error -- plain ESM helper shared with the npm scripts
import { buildIfStale } from '../scripts/lib.mjs'

interface Proxy {
  server: Server
  port: number
  /** bytes sent to the browser so far */
  bytes(): number
}

/** Forwards every connection to `target`, counting the bytes that go back to the browser. */
async function countingProxy(target: number): Promise<Proxy> {
  let total = 0
  const server = createServer((browserSide) => {
    const serverSide = connect(target, '127.0.0.1')
    browserSide.once('data', (first: Buffer) => {
      // Only HTTP: the app's finder WebSocket is not part of loading it.
      const socket = first.toString('latin1', 0, 16).startsWith('GET /finder')
      serverSide.on('data', (chunk: Buffer) => {
        if (!socket) total += chunk.length
      })
      serverSide.write(first)
      browserSide.pipe(serverSide)
      serverSide.pipe(browserSide)
    })
    const close = (): void => {
      browserSide.destroy()
      serverSide.destroy()
    }
    browserSide.on('error', close).on('close', close)
    serverSide.on('error', close).on('close', close)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  return { server, port, bytes: () => total }
}

/** Waits until no byte has moved for `quietMs` (at most 30 s). */
async function settled(proxy: Proxy, quietMs = 1000): Promise<void> {
  const deadline = Date.now() + 30_000
  let last = -1
  while (proxy.bytes() !== last && Date.now() < deadline) {
    last = proxy.bytes()
    await sleep(quietMs)
  }
}

async function visit(
  browser: Browser,
  proxy: Proxy,
  headers: Record<string, string>,
): Promise<{ load: number; all: number }> {
  const context = await browser.newContext({
    baseURL: `http://127.0.0.1:${proxy.port}`,
    extraHTTPHeaders: headers,
  })
  try {
    const start = proxy.bytes()
    const page = await context.newPage()
    await page.goto('/', { waitUntil: 'load' })
    const load = proxy.bytes() - start
    // Active only after its install step has fetched every precached file.
    await page.evaluate('navigator.serviceWorker.ready.then(() => true)')
    await settled(proxy)
    return { load, all: proxy.bytes() - start }
  } finally {
    await context.close()
  }
}

export async function benchFirstVisit(): Promise<void> {
  if ((await buildIfStale()) !== 0) throw new Error('vite build failed')
  const server = await createFinderServer({ port: 0, host: '127.0.0.1', log: () => {} })
  const proxy = await countingProxy(server.address().port)
  const browser = await launch()
  try {
    const identity = await visit(browser, proxy, { 'Accept-Encoding': 'identity' })
    const usual = await visit(browser, proxy, {})
    const kb = (n: number): string => `${(n / 1000).toFixed(1).padStart(6)} kB`
    const ratio = (a: number, b: number): string => `${(a / b).toFixed(2)}×`
    console.log(`bench:first-visit (Chromium ${browser.version()}, bytes on the wire, headers too)`)
    console.log(`                          Chromium's Accept-Encoding   identity   ratio`)
    console.log(
      `  index.html and its loads  ${kb(usual.load)}                  ${kb(identity.load)}  ${ratio(usual.load, identity.load)}`,
    )
    console.log(
      `  + service-worker precache ${kb(usual.all)}                  ${kb(identity.all)}  ${ratio(usual.all, identity.all)}`,
    )
  } finally {
    await browser.close()
    await new Promise((resolve) => proxy.server.close(resolve))
    await server.close()
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  benchFirstVisit().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err)
      process.exit(1)
    },
  )
}
