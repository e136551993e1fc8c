// `npm test`: unit, server and Node-WebRTC tests (vitest), then the app build if stale, a
// Chromium check and the Playwright e2e suite, then the NAT lab (vitest --project nat: network
// namespaces, root only, skipped with one line elsewhere). Stops at the first failing stage,
// then prints one closing line `tests: N passed, N failed` over both runners (CI reads it).
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { e2eStages } from './e2e.mjs'
import { NPX, ROOT, countResults, run, runStages } from './lib.mjs'

// Not under test-results/: Playwright empties that folder when it starts, which took the
// vitest reports with it (the closing line then counted only the e2e tests).
const reports = join(ROOT, 'node_modules', '.cache', 'test-reports')
mkdirSync(reports, { recursive: true })
const unitJson = join(reports, 'vitest-unit.json')
const webrtcJson = join(reports, 'vitest-webrtc.json')
const natJson = join(reports, 'vitest-nat.json')
const playwrightJson = join(reports, 'playwright.json')

function vitest(args, json) {
  return run(NPX, [
    'vitest',
    'run',
    ...args,
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${json}`,
  ])
}

process.exitCode = await runStages([
  ['unit + server (vitest --project unit)', () => vitest(['--project', 'unit'], unitJson)],
  [
    'Node WebRTC (vitest --project webrtc, one file at a time)',
    () => vitest(['--project', 'webrtc', '--no-file-parallelism'], webrtcJson),
  ],
  ...e2eStages(['--reporter=list,json'], { PLAYWRIGHT_JSON_OUTPUT_NAME: playwrightJson }),
  // Last: it serves the dist/ the e2e stage built, and needs root for its namespaces.
  [
    'NAT lab (vitest --project nat, one file at a time)',
    () => vitest(['--project', 'nat', '--no-file-parallelism'], natJson),
  ],
])
const { passed, failed } = countResults([unitJson, webrtcJson, natJson], playwrightJson)
console.log(`tests: ${passed} passed, ${failed} failed`)
