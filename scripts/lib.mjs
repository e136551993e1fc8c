// Helpers shared by scripts/test.mjs, scripts/e2e.mjs and scripts/start.mjs.
import { spawn } from 'node:child_process'
import { existsSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = fileURLToPath(new URL('..', import.meta.url))
export const NPX = process.platform === 'win32' ? 'npx.cmd' : 'npx'

/** What the built app depends on; tests beside their modules are not bundled. */
const BUILD_INPUTS = [
  'src',
  'public',
  'index.html',
  'vite.config.ts',
  // the build's precompression step, and the list of files it compresses
  'scripts/precompress.ts',
  'server/static.ts',
]
const NOT_BUNDLED = /\.test\.tsx?$/

function newestMtime(path) {
  if (!existsSync(path)) return 0
  const st = statSync(path)
  if (!st.isDirectory()) return NOT_BUNDLED.test(path) ? 0 : st.mtimeMs
  let newest = 0
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, name)))
  return newest
}

/** Why dist/ must be rebuilt, or null when dist/index.html is newer than every input. */
export function buildStaleReason() {
  const built = join(ROOT, 'dist', 'index.html')
  if (!existsSync(built)) return 'dist/index.html is missing'
  const builtAt = statSync(built).mtimeMs
  const changed = BUILD_INPUTS.filter((p) => newestMtime(join(ROOT, p)) > builtAt)
  return changed.length ? `changed since last build: ${changed.join(', ')}` : null
}

/**
 * Runs a command with inherited stdio (no shell), resolving to its exit code. A child killed by
 * a signal counts as 128 + signal number, like a shell would report it.
 */
export function run(cmd, args, { env } = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      cwd: ROOT,
      stdio: 'inherit',
      shell: false,
      env: env ? { ...process.env, ...env } : process.env,
    })
    child.on('error', (err) => {
      console.error(`Could not start ${cmd}: ${err.message}`)
      resolve(127)
    })
    child.on('exit', (code, signal) => resolve(code ?? 128 + (signalNumber(signal) ?? 1)))
  })
}

function signalNumber(signal) {
  return { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15 }[signal]
}

/** Builds the app with Vite when dist/ is missing or older than its inputs. Returns exit code. */
export async function buildIfStale() {
  const reason = buildStaleReason()
  if (!reason) {
    console.log('dist/ is up to date; skipping vite build')
    return 0
  }
  console.log(`Building the app (${reason})`)
  return run(NPX, ['vite', 'build'])
}

/** What the compiled server (build/server/, `npm run build:server`) is made from. */
const SERVER_INPUTS = ['server', 'src/openpeer', 'tsconfig.json', 'tsconfig.server.json']
export const SERVER_MAIN = join(ROOT, 'build', 'server', 'main.js')

/**
 * Compiles the finder to JavaScript when build/server/main.js is missing or older than its
 * sources: `npm start` runs that with plain node, not through tsx (~30 MiB less idle memory, no
 * compile on every start). Returns the exit code.
 */
export async function buildServerIfStale() {
  const builtAt = existsSync(SERVER_MAIN) ? statSync(SERVER_MAIN).mtimeMs : 0
  const changed = SERVER_INPUTS.filter((p) => newestMtime(join(ROOT, p)) > builtAt)
  if (builtAt && !changed.length) return 0
  console.log(
    `Compiling the server (${builtAt ? `changed: ${changed.join(', ')}` : 'not built yet'})`,
  )
  return run(NPX, ['tsc', '-p', 'tsconfig.server.json'])
}

/**
 * Runs named stages in order, stopping at the first failure, then prints one summary line per
 * stage. Each stage is `[name, async () => exitCode]`. Returns the overall exit code.
 */
export async function runStages(stages) {
  const results = []
  let failed = 0
  for (const [name, fn] of stages) {
    if (failed) {
      results.push(`  - ${name}: skipped`)
      continue
    }
    console.log(`\n▶ ${name}`)
    const started = performance.now()
    const code = await fn()
    const secs = ((performance.now() - started) / 1000).toFixed(1)
    results.push(
      `  ${code === 0 ? '✔' : '✖'} ${name}: ${code === 0 ? 'ok' : `failed (exit ${code})`} ${secs}s`,
    )
    failed = code
  }
  console.log(`\nSummary:\n${results.join('\n')}`)
  return failed
}

/**
 * Adds up passed and failed tests from a vitest JSON report and a Playwright JSON report (each
 * may be missing when its stage did not run), then removes the reports so a later run cannot
 * count stale results.
 */
export function countResults(vitestJsons, playwrightJson) {
  let passed = 0
  let failed = 0
  const read = (file) => {
    if (!existsSync(file)) return null
    try {
      return JSON.parse(readFileSync(file, 'utf8'))
    } catch {
      return null
    } finally {
      rmSync(file, { force: true })
    }
  }
  for (const file of vitestJsons) {
    const vitest = read(file)
    passed += vitest?.numPassedTests ?? 0
    failed += vitest?.numFailedTests ?? 0
  }
  const playwright = read(playwrightJson)
  if (playwright?.stats) {
    passed += (playwright.stats.expected ?? 0) + (playwright.stats.flaky ?? 0)
    failed += playwright.stats.unexpected ?? 0
  }
  return { passed, failed }
}
