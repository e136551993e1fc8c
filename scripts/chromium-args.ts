/**
 * The command-line flags of every Chromium the project launches: the e2e suite
 * (playwright.config.ts) and the benchmarks (bench/browser.ts). Why each flag: docs/tooling.md.
 *
 * Never add --disable-features=…: Chromium keeps only the last one, which silently drops
 * Playwright's own list.
 */
export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // These two together make a loopback-only host gather ICE candidates (with media permission).
  '--allow-loopback-in-peer-connection',
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
]
