import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createSocket } from 'node:dgram'
import { accessSync, constants, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { createServer, isIPv6 } from 'node:net'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { stunBinding } from './stun.ts'
import type { TurnService } from './turn-credentials.ts'

export const DEFAULT_TURN_PORT = 3478
export const DEFAULT_TURN_TLS_PORT = 5349
/** busy ports skipped before giving up (each `npm start` on one machine takes the next) */
const PORT_TRIES = 20
const DIR_PREFIX = 'openpeer-coturn-'

export interface CoturnOptions {
  /** address coturn listens and relays on; undefined: every interface */
  host?: string | undefined
  /** first UDP+TCP port to try (default 3478); a busy one is reported and the next is taken */
  port?: number
  /** coturn's realm: the finder's domain */
  realm: string
  /** TURN over TLS with the finder's certificate (PEM files) */
  tls?: { cert: string; key: string; port?: number } | undefined
  /** coturn's own log file; default: kept in memory, its last lines shown if it fails */
  logFile?: string | undefined
  /** default: `turnserver` from the PATH */
  bin?: string
  log?: (line: string) => void
}

export interface Coturn extends TurnService {
  readonly port: number
  readonly tlsPort: number | undefined
  readonly pid: number | undefined
  /** SIGTERM, then SIGKILL after 3 s. Idempotent. */
  stop(): Promise<void>
  /** SIGTERM now, for a process 'exit' handler (which cannot wait) */
  killNow(): void
}

export const WILDCARD = new Set(['', '::', '0.0.0.0'])
export const LOOPBACK = /^(127\.|::1$|localhost$)/

/** The executable of `name` on the PATH, or undefined. */
export function onPath(name: string, path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue
    const file = join(dir, name)
    try {
      accessSync(file, constants.X_OK)
      return file
    } catch {
      // not here
    }
  }
  return undefined
}

function udpFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket(isIPv6(host) ? 'udp6' : 'udp4')
    socket.once('error', () => {
      socket.close()
      resolve(false)
    })
    socket.bind(port, host, () => socket.close(() => resolve(true)))
  })
}

function tcpFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)))
  })
}

/** True when both UDP and TCP `port` can be bound where coturn will listen. */
export async function turnPortFree(host: string | undefined, port: number): Promise<boolean> {
  // coturn binds each interface address; the IPv4 wildcard collides with any of them.
  const at = host && !WILDCARD.has(host) ? host : '0.0.0.0'
  return (await udpFree(at, port)) && (await tcpFree(at, port))
}

/** The first free port from `start`, saying in one line when `start` itself was taken. */
export async function pickTurnPort(
  host: string | undefined,
  start: number,
  log: (line: string) => void,
  what = 'TURN port',
): Promise<number> {
  for (let port = start; port < start + PORT_TRIES && port <= 65535; port++) {
    if (await turnPortFree(host, port)) {
      if (port !== start)
        log(`${what} ${start} is taken (another npm start on this machine?); using ${port}.`)
      return port
    }
  }
  throw new Error(`${what}s ${start}-${start + PORT_TRIES - 1} are all taken`)
}

/** Removes the pid-file folders of coturns whose finder was killed before it could clean up. */
function sweepStaleDirs(): void {
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith(DIR_PREFIX)) continue
    const dir = join(tmpdir(), name)
    try {
      process.kill(Number(readFileSync(join(dir, 'turnserver.pid'), 'utf8')), 0)
    } catch (e) {
      // ESRCH: that coturn is gone. No pid file yet may be a coturn starting right now: keep it.
      if ((e as NodeJS.ErrnoException).code === 'ESRCH')
        rmSync(dir, { recursive: true, force: true })
    }
  }
}

function urlHost(hostname: string): string {
  return isIPv6(hostname) ? `[${hostname}]` : hostname
}

function coturnArgs(o: {
  host: string | undefined
  port: number
  tlsPort: number | undefined
  opts: CoturnOptions
  secret: string
  dir: string
}): string[] {
  const { host, port, tlsPort, opts } = o
  const args = [
    '-n', // no config file: everything is on this line
    '--use-auth-secret',
    `--static-auth-secret=${o.secret}`,
    `--realm=${opts.realm}`,
    `--listening-port=${port}`,
    '--fingerprint',
    '--no-cli',
    '--no-software-attribute',
    '--no-multicast-peers',
    // WebRTC relays UDP only; TCP relay allocations would let clients reach the server's LAN.
    '--no-tcp-relay',
    `--pidfile=${join(o.dir, 'turnserver.pid')}`,
    // No user database: REST credentials need none, and the default path is shared and root's.
    '--userdb=:memory:',
    '--simple-log',
    ...(opts.logFile ? [`--log-file=${opts.logFile}`, '--no-stdout-log'] : ['--log-file=stdout']),
  ]
  if (host) args.push(`--listening-ip=${host}`, `--relay-ip=${host}`)
  // coturn refuses loopback peers by default; a finder on loopback has only loopback peers.
  if (host && LOOPBACK.test(host)) args.push('--allow-loopback-peers')
  if (opts.tls && tlsPort) {
    args.push(`--cert=${opts.tls.cert}`, `--pkey=${opts.tls.key}`)
    args.push(`--tls-listening-port=${tlsPort}`, '--no-dtls')
  } else {
    args.push('--no-tls', '--no-dtls')
  }
  return args
}

/**
 * Starts coturn as a child process with a fresh shared secret (TURN REST credentials) and
 * resolves once it answers STUN. It dies with this process: `setpriv --pdeathsig` where
 * available (so a killed finder does not leave it holding the port), and `stop()` otherwise.
 */
export async function startCoturn(opts: CoturnOptions): Promise<Coturn> {
  const log = opts.log ?? ((line: string) => console.error(line))
  const bin = opts.bin ?? onPath('turnserver')
  if (!bin) throw new Error('turnserver (coturn) is not on the PATH')
  const host = opts.host && !WILDCARD.has(opts.host) ? opts.host : undefined
  const port = await pickTurnPort(host, opts.port ?? DEFAULT_TURN_PORT, log)
  const tlsPort = opts.tls
    ? await pickTurnPort(host, opts.tls.port ?? DEFAULT_TURN_TLS_PORT, log, 'TURN TLS port')
    : undefined
  const secret = randomBytes(32).toString('base64url')
  sweepStaleDirs()
  const dir = mkdtempSync(join(tmpdir(), DIR_PREFIX))
  const args = coturnArgs({ host, port, tlsPort, opts, secret, dir })
  const setpriv = onPath('setpriv')
  const child: ChildProcess = setpriv
    ? spawn(setpriv, ['--pdeathsig', 'SIGTERM', '--', bin, ...args], { stdio: 'pipe' })
    : spawn(bin, args, { stdio: 'pipe' })
  const tail: string[] = []
  const keep = (chunk: Buffer): void => {
    for (const line of chunk.toString().split('\n')) if (line.trim()) tail.push(line.trim())
    tail.splice(0, Math.max(0, tail.length - 20))
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  let stopping: Promise<void> | undefined
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM')
        const timer = setTimeout(() => child.kill('SIGKILL'), 3_000)
        await exited
        clearTimeout(timer)
      }
      rmSync(dir, { recursive: true, force: true })
    })())

  const failed = new Promise<never>((_, reject) => {
    child.once('error', (err) => reject(err))
    void exited.then(() =>
      reject(new Error(`coturn exited at start: ${tail.slice(-3).join(' | ') || 'no output'}`)),
    )
  })
  failed.catch(() => {})
  try {
    await Promise.race([stunBinding(host ?? '127.0.0.1', port), failed])
  } catch (err) {
    await stop()
    throw err
  }
  void exited.then(() => {
    if (!stopping) log(`TURN: coturn (pid ${child.pid}) exited: ${tail.slice(-2).join(' | ')}`)
  })

  return {
    port,
    tlsPort,
    pid: child.pid,
    secret,
    urls(hostname) {
      const h = urlHost(hostname.replace(/^\[|\]$/g, ''))
      return {
        stun: [`stun:${h}:${port}`],
        turn: [
          `turn:${h}:${port}?transport=udp`,
          `turn:${h}:${port}?transport=tcp`,
          ...(tlsPort ? [`turns:${h}:${tlsPort}?transport=tcp`] : []),
        ],
      }
    },
    stop,
    killNow: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
    },
  }
}
