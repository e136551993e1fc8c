// @vitest-environment node
import { execFileSync, spawn } from 'node:child_process'
import { createSocket, type Socket } from 'node:dgram'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { get } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connect as tlsConnect } from 'node:tls'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { stunBinding } from './stun.ts'
import { onPath, pickTurnPort, startCoturn, turnPortFree } from './turn.ts'
import { NO_TURN_MESSAGE, externalTurn, turnFromEnv } from './turn-env.ts'

const HAVE_COTURN = !!onPath('turnserver')
if (!HAVE_COTURN)
  console.warn('turn.test.ts: coturn (turnserver) is not installed; skipping its tests')

/** A port from the range tests may use, with the next few free too. */
async function freeBase(): Promise<number> {
  for (;;) {
    const base = 20000 + Math.floor(Math.random() * 900)
    let ok = true
    for (let p = base; p < base + 4 && ok; p++) ok = await turnPortFree('127.0.0.1', p)
    if (ok) return base
  }
}

function alive(pid: number | undefined): boolean {
  if (!pid) return false
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

describe('choosing the TURN port', () => {
  it('says in one line that a taken port is taken, and takes the next free one', async () => {
    const base = await freeBase()
    const squatter: Socket = createSocket('udp4')
    await new Promise<void>((resolve) => squatter.bind(base, '127.0.0.1', resolve))
    try {
      const lines: string[] = []
      expect(await pickTurnPort('127.0.0.1', base, (l) => lines.push(l))).toBe(base + 1)
      expect(lines).toEqual([
        `TURN port ${base} is taken (another npm start on this machine?); using ${base + 1}.`,
      ])
    } finally {
      squatter.close()
    }
  })
})

describe('turnFromEnv', () => {
  it('says in one line how to enable TURN when there is neither coturn nor TURN_URLS', async () => {
    const lines: string[] = []
    const setup = await turnFromEnv({ PATH: '/nonexistent' }, { log: (l) => lines.push(l) })
    expect(setup.service).toBeUndefined()
    expect(lines).toEqual([NO_TURN_MESSAGE])
    expect(NO_TURN_MESSAGE).toMatch(/may not connect.*coturn.*TURN_URLS and TURN_SECRET/)
  })

  it('starts nothing for a loopback-only finder unless TURN=on, and says so in one line', async () => {
    const lines: string[] = []
    const setup = await turnFromEnv({}, { host: '127.0.0.1', log: (l) => lines.push(l) })
    expect(setup.service).toBeUndefined()
    expect(lines).toEqual([
      'TURN: not started: the finder listens on loopback only (HOST=127.0.0.1). TURN=on starts it.',
    ])
    await expect(turnFromEnv({ TURN: 'yes' }, { log: () => {} })).rejects.toThrow(/on or off/)
  })

  it('uses an external server named by TURN_URLS + TURN_SECRET, and wants both', async () => {
    const log = () => {}
    await expect(turnFromEnv({ TURN_URLS: 'turn:t.example:3478' }, { log })).rejects.toThrow(
      /TURN_URLS and TURN_SECRET go together/,
    )
    const setup = await turnFromEnv(
      {
        PATH: '/nonexistent',
        TURN_URLS: 'turn:t.example:3478?transport=udp, turns:t.example:443?transport=tcp',
        TURN_SECRET: 's3',
      },
      { log },
    )
    expect(setup.service?.secret).toBe('s3')
    expect(setup.service?.urls('ignored')).toEqual({
      stun: ['stun:t.example:3478'],
      turn: ['turn:t.example:3478?transport=udp', 'turns:t.example:443?transport=tcp'],
    })
    expect(() => externalTurn('http://t.example', 'x')).toThrow(/not a stun:, turn: or turns:/)
  })
})

describe.skipIf(!HAVE_COTURN)('coturn as a child process', () => {
  it('starts on the next port when the first is held by another instance, and stops', async () => {
    const base = await freeBase()
    const lines: string[] = []
    const log = (l: string) => lines.push(l)
    const first = await startCoturn({ host: '127.0.0.1', port: base, realm: 'lab.example', log })
    const second = await startCoturn({ host: '127.0.0.1', port: base, realm: 'lab.example', log })
    try {
      expect([first.port, second.port]).toEqual([base, base + 1])
      expect(lines).toEqual([
        `TURN port ${base} is taken (another npm start on this machine?); using ${base + 1}.`,
      ])
      // Both answer STUN, each seeing us at our own address.
      for (const c of [first, second])
        expect(await stunBinding('127.0.0.1', c.port)).toMatchObject({ address: '127.0.0.1' })
      expect(first.secret).not.toBe(second.secret)
      expect(first.urls('203.0.113.1')).toEqual({
        stun: [`stun:203.0.113.1:${base}`],
        turn: [`turn:203.0.113.1:${base}?transport=udp`, `turn:203.0.113.1:${base}?transport=tcp`],
      })
    } finally {
      await Promise.all([first.stop(), second.stop()])
    }
    expect(alive(first.pid) || alive(second.pid)).toBe(false)
    expect(await turnPortFree('127.0.0.1', base)).toBe(true)
  })
})

describe.skipIf(!HAVE_COTURN)('server/main.ts with a certificate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'opw-tls-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('serves HTTPS and WSS, runs coturn with TURN over TLS beside it, and stops it on exit', async () => {
    const cert = join(dir, 'cert.pem')
    const key = join(dir, 'key.pem')
    execFileSync(
      'openssl',
      [
        ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'],
        ...['-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1'],
        ...['-addext', 'subjectAltName=IP:127.0.0.1'],
      ],
      { stdio: 'ignore' },
    )
    const ca = readFileSync(cert)
    const base = await freeBase()
    const main = fileURLToPath(new URL('./main.ts', import.meta.url))
    const child = spawn(process.execPath, ['--import', 'tsx', main], {
      env: {
        ...process.env,
        ...{ PORT: '0', HOST: '127.0.0.1', TLS_CERT: cert, TLS_KEY: key },
        ...{ TURN: 'on', TURN_PORT: String(base), TURN_TLS_PORT: String(base + 2) },
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
    let err = ''
    child.stderr.on('data', (c: Buffer) => (err += c.toString()))
    const url = await new Promise<string>((resolve, reject) => {
      let out = ''
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString()
        const m = /listening on (https:\/\/127\.0\.0\.1:\d+)/.exec(out)
        if (m?.[1]) resolve(m[1])
      })
      child.once('exit', () => reject(new Error(`main exited: ${out} ${err}`)))
    })
    const pid = Number(/coturn \(pid (\d+)\)/.exec(err)?.[1])
    expect(err.trim().split('\n')).toEqual([
      `TURN: coturn (pid ${pid}) on 127.0.0.1, UDP and TCP ${base}, TLS ${base + 2}`,
    ])
    const body = await new Promise<string>((resolve, reject) => {
      get(`${url}/.well-known/openpeer-services-get`, { ca }, (res) => {
        let text = ''
        res.on('data', (c: Buffer) => (text += c.toString()))
        res.on('end', () => resolve(text))
      }).on('error', reject)
    })
    const port = new URL(url).port
    expect(JSON.parse(body)).toMatchObject({
      finders: [`wss://127.0.0.1:${port}/finder`],
      iceServers: [{ urls: [`stun:127.0.0.1:${base}`] }],
    })
    // TURN over TLS answers with the finder's certificate.
    const peer = await new Promise<string | undefined>((resolve, reject) => {
      const socket = tlsConnect({ host: '127.0.0.1', port: base + 2, ca }, () => {
        resolve(socket.getPeerCertificate().subject?.CN as string | undefined)
        socket.end()
      })
      socket.on('error', reject)
    })
    expect(peer).toBe('127.0.0.1')
    child.kill('SIGTERM')
    expect(await exited).toBe(0)
    expect(alive(pid)).toBe(false)
  }, 20_000)
})
