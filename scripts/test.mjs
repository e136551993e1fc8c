// `npm test`: unit, server and Node-WebRTC tests (vitest), then the app build if stale, a
// Chromium check and the Playwright e2e suite. Stops at the first failing stage.
import { e2eStages } from './e2e.mjs'
import { NPX, run, runStages } from './lib.mjs'

process.exitCode = await runStages([
  ['unit (vitest run)', () => run(NPX, ['vitest', 'run'])],
  ...e2eStages(),
])
