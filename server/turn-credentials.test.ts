// @vitest-environment node
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { resolveLimits } from './limits.ts'
import { connect, type TestClient } from './test-client.ts'
import { makeContact, sessionCreateBody, type TestContact } from './test-identity.ts'
import { startFinder, type TestFinder } from './test-server.ts'
import { hostnameOf, turnCredentials, TurnIssuer, type TurnService } from './turn-credentials.ts'

const SECRET = 'lab-secret'
const service: TurnService = {
  secret: SECRET,
  urls: (h) => ({ stun: [`stun:${h}:3478`], turn: [`turn:${h}:3478?transport=udp`] }),
}

/** HMAC-SHA1 through WebCrypto: a second implementation to check node:crypto's against. */
async function webCryptoCredential(secret: string, username: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(secret),
    { name: 'HMAC', hash: 'SHA-1' },
    false,
    ['sign'],
  )
  const mac = await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(username))
  return btoa(String.fromCharCode(...new Uint8Array(mac)))
}

describe('turnCredentials', () => {
  it('is coturn\'s REST formula: "<unix expiry>:<id>", base64(HMAC-SHA1(secret, username))', async () => {
    const { username, credential } = turnCredentials(SECRET, 'sock1', 1_800_000_000_999)
    expect(username).toBe('1800000000:sock1')
    expect(credential).toBe(await webCryptoCredential(SECRET, username))
    // RFC 2202 test case 2 pins the HMAC itself (hex effcdf6ae5eb2fa2d27416d5f184df9c259a7c79).
    const rfc = turnCredentials('Jefe', 'x', 0)
    expect(rfc.username).toBe('0:x')
    expect(
      Buffer.from(await webCryptoCredential('Jefe', 'what do ya want for nothing?'), 'base64'),
    ).toEqual(Buffer.from('effcdf6ae5eb2fa2d27416d5f184df9c259a7c79', 'hex'))
  })
})

describe('hostnameOf', () => {
  it('drops the port and keeps IPv6 brackets', () => {
    expect(hostnameOf('peer.example:10443')).toBe('peer.example')
    expect(hostnameOf('203.0.113.1')).toBe('203.0.113.1')
    expect(hostnameOf('[2001:db8::1]:443')).toBe('[2001:db8::1]')
  })
})

describe('TurnIssuer', () => {
  function issuer(over: Parameters<typeof resolveLimits>[0] = {}) {
    let now = 1_700_000_000_000
    const limits = resolveLimits({ turnGrantBurst: 3, turnGrantsPerHour: 60, ...over })
    const turn = new TurnIssuer(service, limits, () => now)
    return { turn, tick: (ms: number) => (now += ms), now: () => now }
  }

  it('grants only to attached sockets, for one hour, from the host the socket used', () => {
    const { turn, now } = issuer()
    expect(turn.grant('nobody')).toBeUndefined()
    turn.attach('s1', { ip: '198.51.100.7', host: 'peer.example:10443' })
    const grant = turn.grant('s1')
    expect(grant?.expires).toBe(Math.floor((now() + 3600_000) / 1000) * 1000)
    expect(grant?.iceServers).toEqual([
      {
        urls: ['turn:peer.example:3478?transport=udp'],
        ...turnCredentials(SECRET, 's1', now() + 3600_000),
      },
    ])
    turn.detach('s1')
    expect(turn.grant('s1')).toBeUndefined()
  })

  it('gives a socket asking again within a minute the same credentials, later new ones', () => {
    const { turn, tick } = issuer()
    turn.attach('s1', { ip: '198.51.100.7', host: 'a.example' })
    const first = turn.grant('s1')
    tick(30_000)
    expect(turn.grant('s1')).toBe(first)
    tick(31_000)
    const second = turn.grant('s1')
    expect(second).not.toBe(first)
    expect(second?.expires).toBeGreaterThan(first?.expires ?? Infinity)
  })

  it('bounds the grants per address, however many sockets it opens', () => {
    const { turn, tick } = issuer()
    for (const s of ['a', 'b', 'c', 'd']) turn.attach(s, { ip: '198.51.100.7', host: 'x' })
    turn.attach('other', { ip: '192.0.2.9', host: 'x' })
    expect(['a', 'b', 'c'].map((s) => turn.grant(s))).not.toContain(undefined)
    expect(turn.grant('d')).toBeUndefined()
    expect(turn.grant('other')).toBeDefined()
    // A socket that already holds valid credentials keeps them while its address is over budget.
    tick(61_000)
    expect(turn.grant('a')?.iceServers[0]?.username).toMatch(/:a$/)
    // 60 an hour: one more a minute.
    tick(60_000)
    expect(turn.grant('d')).toBeDefined()
  })

  it('keeps an address budget across reconnects until it has refilled', () => {
    const { turn, tick } = issuer({ turnGrantBurst: 1 })
    turn.attach('a', { ip: '198.51.100.7', host: 'x' })
    expect(turn.grant('a')).toBeDefined()
    turn.detach('a')
    turn.sweep()
    turn.attach('b', { ip: '198.51.100.7', host: 'x' })
    expect(turn.grant('b')).toBeUndefined()
    tick(60_000)
    turn.sweep()
    expect(turn.grant('b')).toBeDefined()
  })

  it('hands STUN to anyone, and nothing without TURN URLs', () => {
    const stunOnly = new TurnIssuer(
      { secret: SECRET, urls: () => ({ stun: ['stun:s.example:3478'], turn: [] }) },
      resolveLimits(),
    )
    expect(stunOnly.stun('x:1')).toEqual([{ urls: ['stun:s.example:3478'] }])
    stunOnly.attach('s', { ip: '198.51.100.7', host: 'x' })
    expect(stunOnly.grant('s')).toBeUndefined()
  })
})

describe('the finder with a TURN server', () => {
  let finder: TestFinder
  let alice: TestContact
  const clients: TestClient[] = []

  beforeAll(async () => {
    finder = await startFinder({ turn: service })
    alice = await makeContact(finder.domain, 'Alice')
  })
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()))
    await finder.server.close()
  })

  it('bootstraps everyone with STUN on the host they used, and no credentials', async () => {
    const port = finder.server.address().port
    for (const host of ['127.0.0.1', 'localhost']) {
      const body = (await (
        await fetch(`http://${host}:${port}/.well-known/openpeer-services-get`)
      ).json()) as { iceServers: unknown }
      expect(body.iceServers).toEqual([{ urls: [`stun:${host}:3478`] }])
    }
  })

  it('gives TURN credentials in the session-create result only, naming the host used', async () => {
    const port = finder.server.address().port
    const c = await connect(`ws://localhost:${port}/finder`)
    clients.push(c)
    // Anonymous requests get nothing.
    const file = await c.request('peer-file-get', { contactId: 'f'.repeat(64) })
    expect(file.turn).toBeUndefined()
    const before = Date.now()
    // The proof names the finder's domain; the socket came in as localhost.
    const body = await sessionCreateBody(alice, `localhost:${port}`, 'a1')
    const result = await c.request('session-create', body)
    expect(result.error).toBeUndefined()
    const turn = result.turn as {
      iceServers: { urls: string[]; username: string }[]
      expires: number
    }
    expect(turn.iceServers[0]?.urls).toEqual(['turn:localhost:3478?transport=udp'])
    expect(turn.expires).toBeGreaterThan(before + 3590_000)
    expect(turn.expires).toBeLessThanOrEqual(Date.now() + 3600_000)
    expect(turn.iceServers[0]?.username).toBe(
      `${turn.expires / 1000}:${turn.iceServers[0]?.username.split(':')[1]}`,
    )
    // Keep-alives do not hand out more.
    expect((await c.request('session-keep-alive', {})).turn).toBeUndefined()
  })

  it('gives a refused session-create nothing', async () => {
    const c = await connect(finder.finderUrl)
    clients.push(c)
    const body = await sessionCreateBody(alice, 'other.example', 'a2')
    const result = await c.request('session-create', body)
    expect(result.error?.code).toBe(403)
    expect(result.turn).toBeUndefined()
  })
})
