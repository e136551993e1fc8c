import type { ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { PUBLIC, TURN_PORT, type Lab } from './lab.ts'

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
      if (child.exitCode !== null || child.signalCode !== null) return
      const exited = new Promise((r) => child.once('exit', r))
      child.kill('SIGTERM')
      // One that does not stop in time is killed: the lab's cleanup must not wait for it.
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
      await exited
      clearTimeout(timer)
    },
  }
}

export interface LabCoturn {
  /** for the finder's environment: TURN_URLS and TURN_SECRET (an external TURN server) */
  env: { TURN_URLS: string; TURN_SECRET: string }
  stop(): Promise<void>
}

/**
 * coturn on its own in the public namespace, for a finder started with TURN_URLS: a finder
 * that dies then leaves STUN and TURN running (`npm start`'s coturn dies with its finder).
 */
export async function startCoturnIn(lab: Lab, port = TURN_PORT): Promise<LabCoturn> {
  const secret = randomBytes(16).toString('hex')
  const dir = mkdtempSync(join(tmpdir(), 'opnat-coturn-'))
  const child = lab.spawn(
    lab.ns.pub,
    'turnserver',
    [
      ...['-n', '--use-auth-secret', `--static-auth-secret=${secret}`, '--realm=lab'],
      ...[`--listening-port=${port}`, `--listening-ip=${PUBLIC}`, `--relay-ip=${PUBLIC}`],
      ...['--fingerprint', '--no-cli', '--no-software-attribute', '--no-tcp-relay'],
      ...['--no-tls', '--no-dtls', '--userdb=:memory:', `--pidfile=${join(dir, 'pid')}`],
      ...['--simple-log', '--log-file=stdout'],
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let out = ''
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`coturn did not start: ${out}`)), 15_000)
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString()
      if (!out.includes('Total General servers')) return
      clearTimeout(timer)
      // Its listeners open right after it reports the relay servers.
      setTimeout(resolve, 500)
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`coturn exited (${code}): ${out}`))
    })
  })
  return {
    env: { TURN_URLS: `turn:${PUBLIC}:${port}?transport=udp`, TURN_SECRET: secret },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r))
        child.kill('SIGTERM')
        await exited
      }
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
