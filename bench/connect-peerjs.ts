/**
 * The anchor of bench:connect (issue 15): PeerJS 1.5.5 against PeerServer 1.0.2 in two fresh
 * browser contexts of the same Chromium, both peers already registered, timed from
 * `peer.connect(id)` to the DataConnection's `open` on the connecting side. No STUN or TURN:
 * the app's bench finder hands out none either, and PeerJS's defaults would reach the internet.
 */
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import type { Server } from 'node:http'
import { PeerServer } from 'peer'
import type { Browser, Page } from 'playwright-core'

const require = createRequire(import.meta.url)
const PEERJS_BUNDLE = require.resolve('peerjs/dist/peerjs.min.js')

export interface PeerServerHandle {
  port: number
  close(): Promise<void>
}

export function startPeerServer(): Promise<PeerServerHandle> {
  return new Promise((resolve) => {
    PeerServer({ host: '127.0.0.1', port: 0, path: '/' }, (server: Server) => {
      const port = (server.address() as AddressInfo).port
      resolve({
        port,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections?.()
            server.close(() => done())
          }),
      })
    })
  })
}

/** A page of a fresh context with PeerJS loaded and a peer registered as `id`. */
async function registered(browser: Browser, base: string, port: number, id: string): Promise<Page> {
  const context = await browser.newContext({ baseURL: base, permissions: ['camera', 'microphone'] })
  const page = await context.newPage()
  await page.goto('/.well-known/openpeer-services-get')
  await page.addScriptTag({ path: PEERJS_BUNDLE })
  // In-page code goes as a string: tsx's keepNames helpers (`__name`) do not exist in the page.
  await page.evaluate(`new Promise((resolve, reject) => {
    const peer = new Peer(${JSON.stringify(id)}, {
      host: '127.0.0.1', port: ${port}, path: '/', secure: false, debug: 0,
      config: { iceServers: [] },
    })
    window.peer = peer
    peer.on('connection', (conn) => { window.incoming = conn })
    peer.on('open', () => resolve())
    peer.on('error', (e) => reject(String(e)))
  })`)
  return page
}

/** One PeerJS run: ms from connect() to the DataConnection open, both peers registered before. */
export async function peerjsRun(
  browser: Browser,
  base: string,
  port: number,
  i: number,
): Promise<number> {
  const ids = [`bench-a-${i}-${Date.now()}`, `bench-b-${i}-${Date.now()}`] as const
  const [a, b] = await Promise.all([
    registered(browser, base, port, ids[0]),
    registered(browser, base, port, ids[1]),
  ])
  const ms = (await b.evaluate(`new Promise((resolve, reject) => {
    const t0 = performance.now()
    const conn = window.peer.connect(${JSON.stringify(ids[0])})
    conn.on('open', () => resolve(performance.now() - t0))
    conn.on('error', (e) => reject(String(e)))
  })`)) as number
  await Promise.all([a.context().close(), b.context().close()])
  return ms
}
