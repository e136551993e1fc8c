// Finds a Chromium for Playwright: $CHROMIUM_PATH, the system package, then Playwright's own.
// As a module: `findChromium()` → absolute path or null. As a CLI: prints the path, or a hint
// and exit code 1.
import { existsSync } from 'node:fs'
import { pathToFileURL } from 'node:url'

export const NO_CHROMIUM_MESSAGE =
  'No Chromium found. Install one: `sudo apt-get install -y chromium` (Debian/Ubuntu), ' +
  'or `npx playwright install chromium`, or set CHROMIUM_PATH=/path/to/chrome.'

const SYSTEM_PATHS = ['/usr/bin/chromium', '/usr/bin/chromium-browser']

async function playwrightChromium() {
  for (const name of ['playwright-core', '@playwright/test']) {
    try {
      const { chromium } = await import(name)
      // executablePath() names where Playwright would download to, whether or not it did.
      const path = chromium.executablePath()
      if (path && existsSync(path)) return path
    } catch {
      // not installed, or no browser registry for this platform: try the next one
    }
  }
  return null
}

/** @returns {Promise<string | null>} */
export async function findChromium() {
  const fromEnv = process.env.CHROMIUM_PATH
  if (fromEnv) return existsSync(fromEnv) ? fromEnv : null
  for (const path of SYSTEM_PATHS) if (existsSync(path)) return path
  return playwrightChromium()
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const path = await findChromium()
  if (path) {
    console.log(path)
  } else {
    if (process.env.CHROMIUM_PATH) {
      console.error(`CHROMIUM_PATH=${process.env.CHROMIUM_PATH} does not exist.`)
    }
    console.error(NO_CHROMIUM_MESSAGE)
    process.exit(1)
  }
}
