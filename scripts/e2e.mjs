// `npm run test:e2e [-- <playwright args>]`: build the app if stale, check for Chromium, then
// run Playwright. Extra CLI args go to `playwright test` (e.g. `-- e2e/chat.spec.ts --headed`).
import { pathToFileURL } from 'node:url'
import { NO_CHROMIUM_MESSAGE, findChromium } from './find-chromium.mjs'
import { NPX, buildIfStale, run, runStages } from './lib.mjs'

/** The e2e stages, also used by scripts/test.mjs. */
export function e2eStages(playwrightArgs = [], env = {}) {
  let chromium = null
  return [
    ['build (vite build if dist/ is stale)', buildIfStale],
    [
      'chromium',
      async () => {
        chromium = await findChromium()
        if (!chromium) {
          console.error(NO_CHROMIUM_MESSAGE)
          return 1
        }
        console.log(`Using ${chromium}`)
        return 0
      },
    ],
    [
      'e2e (playwright test)',
      // playwright.config.ts reads CHROMIUM_PATH, so Playwright launches the browser found here.
      () =>
        run(NPX, ['playwright', 'test', ...playwrightArgs], {
          env: { ...env, CHROMIUM_PATH: chromium },
        }),
    ],
  ]
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await runStages(e2eStages(process.argv.slice(2)))
}
