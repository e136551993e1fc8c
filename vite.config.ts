/// <reference types="vitest/config" />
import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'
import { nodePolyfills } from 'vite-plugin-node-polyfills'
import { VitePWA } from 'vite-plugin-pwa'

// Where `npm run dev` forwards finder traffic: the server from `npm run serve` (PORT 10443).
const FINDER = process.env.FINDER_URL ?? 'http://localhost:10443'
const THEME = '#0f766e'

export default defineConfig({
  plugins: [
    react(),
    // @thaunknown/simple-peer → streamx → events-universal does `require('events')`. Only that
    // module is needed (measured: two peers connect in Chromium with this alone); listing it makes
    // the build independent of whether npm happened to hoist the `events` package.
    // When webtorrent lands, add 'path' and `process: true, global: true` (see
    // /work/shared/reference/browser-stack-notes.md), or it fails with "process is not defined".
    nodePolyfills({
      include: ['events'],
      globals: { Buffer: false, global: false, process: false },
    }),
    VitePWA({
      registerType: 'autoUpdate',
      includeAssets: ['favicon.svg'],
      manifest: {
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
      },
      workbox: {
        navigateFallback: 'index.html',
        // The finder's HTTP bootstrap and websocket must always reach the network, never the shell.
        navigateFallbackDenylist: [/^\/\.well-known\//, /^\/finder/],
      },
    }),
  ],
  build: { target: 'es2022' },
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
        test: { name: 'unit', include: ['src/**/*.test.ts', 'server/**/*.test.ts'] },
      },
      // Real WebRTC between Node clients: one file at a time (scripts/test.mjs passes
      // --no-file-parallelism), so ICE and SCTP timing never compete for two cores.
      {
        extends: true,
        test: { name: 'webrtc', include: ['test/**/*.test.ts'], testTimeout: 90_000 },
      },
    ],
  },
})
