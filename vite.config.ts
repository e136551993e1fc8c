/// <reference types="vitest/config" />
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import react from '@vitejs/plugin-react'
import { defineConfig, type Plugin } from 'vite'
import { nodePolyfills } from 'vite-plugin-node-polyfills'
import { VitePWA } from 'vite-plugin-pwa'
import { SHARE_PATH } from './src/pwa/share-stash.ts'
import { precompress } from './scripts/precompress.ts'

// Where `npm run dev` forwards finder traffic: the server from `npm run serve` (PORT 10443).
const FINDER = process.env.FINDER_URL ?? 'http://localhost:10443'
const THEME = '#0f766e'
const WEBTORRENT_WORKER = 'webtorrent-sw.js'
const CONN_POOL_STUB = '\0webtorrent-conn-pool-stub'

/**
 * WebTorrent's service-worker half (serves `/webtorrent/<infohash>/<file>` with range requests
 * from the page's torrent): audio and video play while they download. Emitted as an asset and
 * pulled into the app's worker with `importScripts`.
 */
function webtorrentWorker(): Plugin {
  const require = createRequire(import.meta.url)
  return {
    name: 'webtorrent-worker',
    apply: 'build',
    generateBundle() {
      const file = require.resolve('webtorrent/dist/sw.min.js')
      const source = readFileSync(file, 'utf8').replace(/\/\/# sourceMappingURL=.*$/m, '')
      this.emitFile({ type: 'asset', fileName: WEBTORRENT_WORKER, source })
    },
  }
}

/**
 * V8's explicit compile hint (Chrome 136+; other engines read a comment): every function of the
 * Open Peer client's chunk compiled eagerly, on a background thread while the chunk loads, rather
 * than on first call on the main thread: the first invite or find of a page otherwise spent
 * ~18 ms compiling the connect path (docs/performance.md, "Cold code").
 */
function eagerClient(): Plugin {
  return {
    name: 'eager-client',
    apply: 'build',
    // After Vite's own additions to the chunk (its preload map): the hint must come first.
    generateBundle: {
      order: 'post',
      handler(_, bundle) {
        if (process.env.OPW_LAZY_CLIENT) return // for an A/B of bench:connect
        const client = Object.values(bundle).find((c) => c.type === 'chunk' && c.name === 'client')
        // A renamed chunk would lose the hint without a word: the build says so instead.
        if (client?.type !== 'chunk') return this.error('eager-client: no chunk named "client"')
        client.code = `//# allFunctionsCalledOnLoad\n${client.code}`
      },
    },
  }
}

export default defineConfig({
  plugins: [
    react(),
    // @thaunknown/simple-peer → streamx → events-universal does `require('events')`; WebTorrent
    // (lazily imported) needs `path`, `process` and `global` too, or it fails to load with
    // "process is not defined" (/work/shared/reference/browser-stack-notes.md). Buffer comes from
    // the `buffer` package WebTorrent imports itself.
    // Browser only: under Vitest (Node) the shims would replace Node's real `process`.
    ...(process.env.VITEST
      ? []
      : [
          nodePolyfills({
            include: ['events', 'path'],
            globals: { Buffer: false, global: true, process: true },
          }),
        ]),
    webtorrentWorker(),
    eagerClient(),
    VitePWA({
      registerType: 'autoUpdate',
      // A hand-written worker (src/sw.ts): precaching as before, plus the share target's POST
      // and notification clicks, which a generated worker cannot handle.
      strategies: 'injectManifest',
      srcDir: 'src',
      filename: 'sw.ts',
      injectManifest: {
        // A classic worker: it importScripts WebTorrent's handler.
        rollupFormat: 'iife',
        globPatterns: ['**/*.{js,css,html,svg,png,ico,webmanifest}'],
        // The screenshots are for install sheets, not for the app offline.
        globIgnores: ['screenshots/**'],
      },
      includeAssets: ['favicon.svg'],
      manifest: {
        id: '/',
        name: 'Open Peer Web',
        short_name: 'OpenPeer',
        description: 'Peer-to-peer chat and file sharing in the browser.',
        theme_color: THEME,
        background_color: '#ffffff',
        display: 'standalone',
        start_url: '/',
        icons: [
          { src: 'icon-192.png', sizes: '192x192', type: 'image/png' },
          { src: 'icon-512.png', sizes: '512x512', type: 'image/png' },
          { src: 'icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        ],
        screenshots: [
          {
            src: 'screenshots/narrow.png',
            sizes: '360x740',
            type: 'image/png',
            form_factor: 'narrow',
            label: 'A conversation on a phone',
          },
          {
            src: 'screenshots/wide.png',
            sizes: '1280x800',
            type: 'image/png',
            form_factor: 'wide',
            label: 'Contacts, a conversation and transfers side by side',
          },
        ],
        // The phone's share sheet lists the installed app for files and text (src/sw.ts).
        share_target: {
          action: SHARE_PATH,
          method: 'POST',
          enctype: 'multipart/form-data',
          params: {
            title: 'title',
            text: 'text',
            url: 'url',
            files: [{ name: 'files', accept: ['*/*'] }],
          },
        },
      },
    }),
    // Brotli and gzip copies of every text file, served by server/static.ts (docs/tooling.md).
    precompress(),
  ],
  build: { target: 'es2022' },
  optimizeDeps: {
    rolldownOptions: {
      // Dev server only: the pre-bundler turns webtorrent's browser-field `./lib/conn-pool.js:
      // false` into `undefined` ("reading 'UTP_SUPPORT'"). An empty object stands in (not a class:
      // with a class, seed() hangs). `vite build` maps the browser field correctly.
      plugins: [
        {
          name: 'webtorrent-conn-pool-stub',
          resolveId: (id: string) => (/conn-pool(\.js)?$/.test(id) ? CONN_POOL_STUB : null),
          load: (id: string) => (id === CONN_POOL_STUB ? 'export default {}' : null),
        },
      ],
    },
  },
  server: {
    port: 5173,
    proxy: {
      '/.well-known': { target: FINDER },
      '/finder': { target: FINDER, ws: true },
    },
  },
  test: {
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Real WebRTC (node-datachannel) and real sockets: separate processes isolate native state.
    pool: 'forks',
    projects: [
      // In memory and fast: run in parallel.
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'server/**/*.test.ts', 'test/memory/**/*.test.ts'],
        },
      },
      // Real WebRTC between Node clients: one file at a time (scripts/test.mjs passes
      // --no-file-parallelism), so ICE and SCTP timing never compete for two cores.
      {
        extends: true,
        test: {
          name: 'webrtc',
          include: ['test/node/**/*.test.ts'],
          testTimeout: 90_000,
          // As the e2e suite in CI: real ICE over loopback very rarely never connects (seen once
          // in ~15 clean runs: the security test's session hit its 30 s connect timeout).
          retry: process.env.CI ? 1 : 0,
        },
      },
      // The NAT lab (root only; skipped with one line elsewhere): network namespaces, real
      // coturn, Node clients and Chromium behind simulated home routers. One file at a time.
      {
        extends: true,
        test: {
          name: 'nat',
          include: ['test/nat/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 90_000,
        },
      },
    ],
  },
})
