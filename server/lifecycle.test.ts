// @vitest-environment node
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { createMemoryRegistry } from './index.ts'
import { connect } from './test-client.ts'
import { makeContact, sessionCreateBody } from './test-identity.ts'
import { spawnFinder } from './test-node.ts'
import { startFinder } from './test-server.ts'

describe('close()', () => {
  it('closes every client with 1001, is idempotent, and frees the port', async () => {
    const finder = await startFinder()
    const [a, b] = await Promise.all([connect(finder.finderUrl), connect(finder.finderUrl)])
    const first = finder.server.close()
    const second = finder.server.close()
    expect(second).toBe(first)
    await first
    await finder.server.close()
    for (const c of [a, b])
      expect(await c.closed).toEqual({ code: 1001, reason: 'finder shutting down' })
    await expect(fetch(`${finder.url}/`)).rejects.toThrow()
  })

  it('terminates a client that does not answer the close frame', async () => {
    const finder = await startFinder({ limits: { closeGrace: 50 } })
    const c = await connect(finder.finderUrl)
    // Stop reading: the client will never answer the close handshake.
    ;(c.ws as unknown as { _socket: { pause(): void } })._socket.pause()
    const started = Date.now()
    await finder.server.close()
    expect(Date.now() - started).toBeLessThan(1000)
  })

  it('uses an injected registry', async () => {
    const registry = createMemoryRegistry()
    const finder = await startFinder({ registry })
    try {
      const alice = await makeContact(finder.domain)
      const c = await connect(finder.finderUrl)
      await c.request('session-create', await sessionCreateBody(alice, finder.domain, 'a1'))
      expect((await registry.locations(alice.contactId)).map((r) => r.locationId)).toEqual(['a1'])
      await c.close()
    } finally {
      await finder.server.close()
    }
  })
})

describe('server/main.ts', () => {
  it('prints its URL, serves, and exits 0 on SIGTERM', async () => {
    const main = fileURLToPath(new URL('./main.ts', import.meta.url))
    const child = spawn(process.execPath, ['--import', 'tsx', main], {
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
    const line = await new Promise<string>((resolve, reject) => {
      let out = ''
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString()
        if (out.includes('\n')) resolve(out.trim())
      })
      child.once('exit', () => reject(new Error(`main exited: ${out}`)))
    })
    const url = /^Open Peer finder listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(line)?.[1]
    expect(url).toBeDefined()
    expect((await fetch(`${url}/.well-known/openpeer-services-get`)).status).toBe(200)
    const ws = new WebSocket(`${url?.replace('http', 'ws')}/finder`)
    const closed = new Promise<number>((resolve) => ws.once('close', resolve))
    await new Promise((resolve) => ws.once('open', resolve))
    child.kill('SIGTERM')
    expect(await closed).toBe(1001)
    expect(await exited).toBe(0)
    // tsx compiles main.ts on start: seconds on a busy two-core machine.
  }, 30_000)

  it('takes LIMITS as JSON and refuses a misspelt or non-numeric one before listening', async () => {
    // Three processes at once: each spends seconds compiling through tsx.
    const typo = spawnFinder({ LIMITS: '{"socketsPerIP":4096}' })
    const list = spawnFinder({ LIMITS: '[4096]' })
    const valid = spawnFinder({ LIMITS: '{"socketsPerIp":1}' })
    expect(await typo.exited).toBe(1)
    expect(typo.output()).toContain('LIMITS: limits.socketsPerIP must be a non-negative number')
    expect(await list.exited).toBe(1)
    expect(list.output()).toContain('LIMITS: must be a JSON object')
    // A valid one takes effect: one socket per address, so the second is refused.
    const node = await valid.ready
    try {
      const first = await connect(`${node.url}/finder`)
      await expect(connect(`${node.url}/finder`)).rejects.toThrow('HTTP 429')
      await first.close()
    } finally {
      await node.kill()
    }
  }, 60_000)
})
