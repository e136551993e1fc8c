import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { createServer, connect } from 'node:net'

/*
 * A real redis-server for the cluster tests (Debian's `redis-server`, which .ci/run installs), on
 * a free loopback port, with nothing saved to disk. It is killed by stop(), and by the exit of
 * the test process if a test failed before it could call stop().
 */

export interface TestRedis {
  port: number
  url: string
  /** Kills the server (SIGKILL: a crash, nothing flushed) and waits until it is gone. */
  kill(): Promise<void>
  /** Starts it again on the same port, empty, and waits until it answers. */
  start(): Promise<void>
  /** kill(), idempotent: for afterAll/afterEach. */
  stop(): Promise<void>
  /** SIGSTOP / SIGCONT: a Redis that hangs with its connections open. */
  pause(): void
  resume(): void
}

const live = new Set<ChildProcess>()
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL')
})

export function haveRedisServer(): boolean {
  return spawnSync('redis-server', ['--version']).status === 0
}

/** A free loopback TCP port (free a moment ago: good enough for a test). */
export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => {
      // A PING answered with PONG: the server is loaded, not just listening.
      socket.write('PING\r\n')
    })
    socket.once('data', (data) => {
      socket.destroy()
      resolve(data.toString().startsWith('+PONG'))
    })
    socket.once('error', () => resolve(false))
  })
}

export async function startRedis(): Promise<TestRedis> {
  if (!haveRedisServer()) {
    throw new Error('redis-server is not installed (apt-get install redis-server; .ci/run does)')
  }
  // Another test may bind the free port first: then try another one.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOn(await freePort())
    } catch (e) {
      if (attempt >= 3) throw e
    }
  }
}

async function startOn(port: number): Promise<TestRedis> {
  let child: ChildProcess | undefined
  let output = ''

  async function start(): Promise<void> {
    if (child) throw new Error('redis-server is already running')
    output = ''
    const proc = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    )
    child = proc
    live.add(proc)
    proc.stdout?.on('data', (d: Buffer) => (output += d.toString()))
    proc.stderr?.on('data', (d: Buffer) => (output += d.toString()))
    proc.once('exit', () => live.delete(proc))
    const deadline = Date.now() + 5000
    while (Date.now() < deadline) {
      if (proc.exitCode !== null) break
      if (await accepts(port)) return
      await new Promise((r) => setTimeout(r, 25))
    }
    await kill()
    throw new Error(`redis-server did not start on port ${port}:\n${output.slice(-2000)}`)
  }

  async function kill(): Promise<void> {
    const proc = child
    child = undefined
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return
    const gone = new Promise((resolve) => proc.once('exit', resolve))
    proc.kill('SIGKILL')
    await gone
  }

  await start()
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    kill,
    start,
    stop: async () => {
      child?.kill('SIGCONT')
      await kill()
    },
    pause: () => void child?.kill('SIGSTOP'),
    resume: () => void child?.kill('SIGCONT'),
  }
}
