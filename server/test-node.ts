import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/*
 * A finder node as its own process (`server/main.ts`), for the cluster tests that need to kill
 * one the hard way (SIGKILL: no close frames, no unregistering, its Redis entries left behind).
 */

export interface FinderProcess {
  url: string
  pid: number
  /** host:port */
  address: string
  /** stdout and stderr so far */
  output(): string
  /** SIGKILL, and wait until it is gone; idempotent */
  kill(): Promise<void>
  /** resolves with the exit code (or the signal's name) */
  exited: Promise<number | string | null>
}

const live = new Set<ChildProcess>()
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL')
})

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url))

/**
 * Spawns server/main.ts on a free loopback port with `env` added (REDIS_URL, DOMAIN, …);
 * `main`: another entry, such as the compiled build/server/main.js (run without tsx);
 * `nodeArgs`: node's own flags (a bench's --cpu-prof, which NODE_OPTIONS may not carry).
 */
export function spawnFinder(
  env: Record<string, string>,
  opts: { main?: string; nodeArgs?: string[] } = {},
): {
  ready: Promise<FinderProcess>
  exited: Promise<number | string | null>
  output(): string
} {
  let out = ''
  const main = opts.main ?? MAIN
  const args = [
    ...(opts.nodeArgs ?? []),
    ...(main.endsWith('.ts') ? ['--import', 'tsx'] : []),
    main,
  ]
  const child = spawn(process.execPath, args, {
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      TURN: 'off',
      DIST_DIR: '/nonexistent',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  live.add(child)
  const exited = new Promise<number | string | null>((resolve) =>
    child.once('exit', (code, signal) => {
      live.delete(child)
      resolve(code ?? signal)
    }),
  )
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()))
  const output = () => out
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    await exited
  }
  const ready = new Promise<FinderProcess>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      const url = /Open Peer finder listening on (http:\/\/[^\s]+)/.exec(out)?.[1]
      if (url) resolve({ url, pid: child.pid!, address: new URL(url).host, output, kill, exited })
    })
    void exited.then((code) => reject(new Error(`finder exited (${code}): ${out}`)))
  })
  // A test awaiting `exited` alone must not see an unhandled rejection of `ready`.
  ready.catch(() => {})
  return { ready, exited, output }
}
