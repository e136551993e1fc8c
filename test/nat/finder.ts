import type { ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { PUBLIC, type Lab } from './lab.ts'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
export const FINDER_PORT = 10443

export interface LabFinder {
  /** http://203.0.113.1:10443: the app's origin, and the finder's domain with it */
  origin: string
  domain: string
  /** what `npm start` printed (the TURN line among it) */
  output(): string
  stop(): Promise<void>
}

/**
 * `server/main.ts` in the public namespace, as `npm start` runs it: on the lab address, with
 * coturn as its child (`turnserver` is on the PATH), serving the built app from dist/.
 */
export async function startFinderIn(
  lab: Lab,
  env: Record<string, string> = {},
): Promise<LabFinder> {
  const child: ChildProcess = lab.spawn(
    lab.ns.pub,
    process.execPath,
    ['--import', 'tsx', 'server/main.ts'],
    {
      cwd: ROOT,
      env: { ...process.env, HOST: PUBLIC, PORT: String(FINDER_PORT), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let out = ''
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()))
  child.stderr?.on('data', (c: Buffer) => (out += c.toString()))
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`finder did not start: ${out}`)), 30_000)
    child.stdout?.on('data', () => {
      if (!out.includes('listening on')) return
      clearTimeout(timer)
      resolve()
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`finder exited (${code}): ${out}`))
    })
  })
  const origin = `http://${PUBLIC}:${FINDER_PORT}`
  return {
    origin,
    domain: `${PUBLIC}:${FINDER_PORT}`,
    output: () => out,
    async stop() {
      if (child.exitCode !== null) return
      const exited = new Promise((r) => child.once('exit', r))
      child.kill('SIGTERM')
      await exited
    },
  }
}
