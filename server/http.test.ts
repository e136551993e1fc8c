// @vitest-environment node
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { request as httpRequest } from 'node:http'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { bootstrapSchema } from '../src/openpeer/wire/index.ts'
import { startFinder, type TestFinder } from './test-server.ts'

let dist: string
let finder: TestFinder
let bare: TestFinder

interface RawResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
  bytes: Buffer
}

/** A raw request, so paths like /../ reach the server unnormalised and bodies stay as sent. */
function raw(
  url: string,
  pathname: string,
  opts: { method?: string; headers?: Record<string, string> } = {},
): Promise<RawResponse> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { hostname, port, path: pathname, method: opts.method ?? 'GET', headers: opts.headers },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('end', () => {
          const bytes = Buffer.concat(chunks)
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: bytes.toString(),
            bytes,
          })
        })
      },
    )
    req.on('error', reject)
    req.end()
  })
}

// Compressible, so its brotli and gzip copies are smaller, as the build would write them.
const APP_JS = 'console.log(1)\n' + 'export const greeting = "hello, peer";\n'.repeat(40)
const SHELL = '<!doctype html><title>Open Peer</title>' + '<meta name="x" content="y">'.repeat(20)

beforeAll(async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'finder-'))
  dist = path.join(root, 'dist')
  await mkdir(path.join(dist, 'assets'), { recursive: true })
  await writeFile(path.join(root, 'secret.txt'), 'top secret')
  await writeFile(path.join(dist, 'index.html'), SHELL)
  await writeFile(path.join(dist, 'assets', 'app-abc123.js'), APP_JS)
  for (const [name, text] of [
    ['index.html', SHELL],
    ['assets/app-abc123.js', APP_JS],
  ] as const) {
    await writeFile(path.join(dist, `${name}.br`), brotliCompressSync(text))
    await writeFile(path.join(dist, `${name}.gz`), gzipSync(text))
  }
  await writeFile(path.join(dist, 'icon.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47]))
  await writeFile(path.join(dist, 'assets', 'app-abc123.css'), 'body{}')
  await writeFile(path.join(dist, 'sw.js'), 'self.x=1')
  await writeFile(path.join(dist, 'manifest.webmanifest'), '{}')
  await writeFile(path.join(dist, 'icon.svg'), '<svg/>')
  await writeFile(path.join(dist, '.env'), 'SECRET=1')
  finder = await startFinder({
    distDir: dist,
    iceServers: [{ urls: 'stun:stun.example.org:3478' }],
  })
  bare = await startFinder({ distDir: path.join(root, 'nothing-here') })
})
afterAll(async () => {
  await Promise.all([finder.server.close(), bare.server.close()])
  await rm(path.dirname(dist), { recursive: true, force: true })
})

describe('bootstrapper', () => {
  it('answers valid bootstrap JSON built from the Host header, for any origin', async () => {
    const res = await fetch(`${finder.url}/.well-known/openpeer-services-get`)
    expect(res.status).toBe(200)
    expect(res.headers.get('access-control-allow-origin')).toBe('*')
    expect(res.headers.get('cache-control')).toBe('no-cache')
    const body = bootstrapSchema.parse(await res.json())
    expect(body.domain).toBe(finder.domain)
    expect(body.finders).toEqual([`ws://${finder.domain}/finder`])
    expect(body.iceServers).toEqual([{ urls: 'stun:stun.example.org:3478' }])
    expect(body.limits).toEqual({
      finderFrame: 16384,
      peerFrame: 65536,
      proofLifetime: 300000,
      locationsPerContact: 16,
      registrationTtl: 600000,
    })
  })

  it('uses wss behind a TLS proxy, lowercases the host and refuses a bad one', async () => {
    const viaProxy = await raw(finder.url, '/.well-known/openpeer-services-get', {
      headers: { Host: 'Peer.Example.org', 'X-Forwarded-Proto': 'https' },
    })
    const body = bootstrapSchema.parse(JSON.parse(viaProxy.body))
    expect(body.domain).toBe('peer.example.org')
    expect(body.finders).toEqual(['wss://peer.example.org/finder'])
    const bad = await raw(finder.url, '/.well-known/openpeer-services-get', {
      headers: { Host: 'bad host!' },
    })
    expect(bad.status).toBe(400)
  })

  it('announces the configured domain when one is set', async () => {
    const fixed = await startFinder({ domain: 'finder.example.org' })
    try {
      const body = bootstrapSchema.parse(
        await (await fetch(`${fixed.url}/.well-known/openpeer-services-get`)).json(),
      )
      expect(body.domain).toBe('finder.example.org')
      expect(body.finders).toEqual([`ws://${fixed.domain}/finder`])
    } finally {
      await fixed.server.close()
    }
  })
})

describe('static hosting', () => {
  it('serves index.html for app routes and /, revalidated', async () => {
    for (const route of ['/', '/contacts/abc', '/i/x']) {
      const res = await fetch(`${finder.url}${route}`)
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8')
      expect(res.headers.get('cache-control')).toBe('no-cache')
      expect(await res.text()).toContain('<title>Open Peer</title>')
    }
  })

  it('caches hashed assets forever and names their types', async () => {
    const js = await fetch(`${finder.url}/assets/app-abc123.js`)
    expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
    expect(await js.text()).toBe(APP_JS)
    const css = await fetch(`${finder.url}/assets/app-abc123.css`)
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8')
    const svg = await fetch(`${finder.url}/icon.svg`)
    expect(svg.headers.get('content-type')).toBe('image/svg+xml')
    for (const file of ['/sw.js', '/manifest.webmanifest']) {
      expect((await fetch(`${finder.url}${file}`)).headers.get('cache-control')).toBe('no-cache')
    }
    const manifest = await fetch(`${finder.url}/manifest.webmanifest`)
    expect(manifest.headers.get('content-type')).toBe('application/manifest+json')
  })

  it('answers 404 for a missing file rather than the app', async () => {
    expect((await fetch(`${finder.url}/assets/missing-123.js`)).status).toBe(404)
  })

  it('never serves outside distDir, nor dotfiles', async () => {
    for (const p of [
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/..%5csecret.txt',
      '/.env',
    ]) {
      const res = await raw(finder.url, p)
      expect(res.body).not.toContain('top secret')
      expect(res.body).not.toContain('SECRET')
    }
    expect((await raw(finder.url, '/%2e%2e/secret.txt')).status).toBe(404)
    expect((await raw(finder.url, '/%E0%A4%A')).status).toBe(400)
  })

  it('supports HEAD and refuses other methods with 405', async () => {
    const head = await raw(finder.url, '/assets/app-abc123.js', { method: 'HEAD' })
    expect(head.status).toBe(200)
    expect(head.headers['content-length']).toBe(String(APP_JS.length))
    expect(head.body).toBe('')
    const post = await raw(finder.url, '/', { method: 'POST' })
    expect(post.status).toBe(405)
    expect(post.headers.allow).toBe('GET, HEAD')
  })

  it('a share that reaches the server (no service worker yet) goes back to the app: 303 to /?share=early', async () => {
    const form = new FormData()
    form.append('files', new Blob([new Uint8Array(200_000)]), 'photo.jpg')
    form.append('text', 'look')
    for (const server of [finder, bare]) {
      const res = await fetch(`${server.url}/share-target`, {
        method: 'POST',
        body: form,
        redirect: 'manual',
      })
      expect(res.status).toBe(303)
      expect(res.headers.get('location')).toBe('/?share=early')
      await res.text()
    }
    // Only the share target takes a POST, and only a POST.
    expect((await raw(finder.url, '/share-target/x', { method: 'POST' })).status).toBe(405)
    expect((await raw(finder.url, '/share-target', { method: 'PUT' })).status).toBe(405)
  })

  it('answers 503 when the app is not built, while the finder still works', async () => {
    const res = await fetch(`${bare.url}/`)
    expect(res.status).toBe(503)
    expect(await res.text()).toBe('App not built: run npm run build')
    expect((await fetch(`${bare.url}/.well-known/openpeer-services-get`)).status).toBe(200)
    const ws = new WebSocket(bare.finderUrl)
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject))
    ws.close()
  })
})

describe('precompressed files', () => {
  const JS = '/assets/app-abc123.js'
  const BROWSER = 'gzip, deflate, br, zstd' // what Chromium sends
  const get = (pathname: string, encoding?: string, headers: Record<string, string> = {}) =>
    raw(finder.url, pathname, {
      headers: { ...(encoding === undefined ? {} : { 'Accept-Encoding': encoding }), ...headers },
    })

  it('sends brotli to a browser, with the type, caching and length of what it sends', async () => {
    const res = await get(JS, BROWSER)
    expect(res.status).toBe(200)
    expect(res.headers['content-encoding']).toBe('br')
    expect(res.headers['content-type']).toBe('text/javascript; charset=utf-8')
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable')
    expect(res.headers.vary).toBe('Accept-Encoding')
    expect(res.headers['content-length']).toBe(String(res.bytes.length))
    expect(res.bytes.length).toBeLessThan(APP_JS.length)
    expect(brotliDecompressSync(res.bytes).toString()).toBe(APP_JS)
    // HEAD: the same representation's headers, no body.
    const head = await raw(finder.url, JS, {
      method: 'HEAD',
      headers: { 'Accept-Encoding': BROWSER },
    })
    expect(head.body).toBe('')
    expect(head.headers['content-encoding']).toBe('br')
    expect(head.headers['content-length']).toBe(String(res.bytes.length))
    expect(head.headers.etag).toBe(res.headers.etag)
  })

  it('sends gzip when only gzip is accepted, the file itself when neither is', async () => {
    const gz = await get(JS, 'gzip')
    expect(gz.headers['content-encoding']).toBe('gzip')
    expect(gz.headers.vary).toBe('Accept-Encoding')
    expect(gunzipSync(gz.bytes).toString()).toBe(APP_JS)
    for (const encoding of [undefined, 'deflate', 'identity']) {
      const plainJs = await get(JS, encoding)
      expect(plainJs.headers['content-encoding']).toBeUndefined()
      expect(plainJs.headers.vary).toBe('Accept-Encoding')
      expect(plainJs.body).toBe(APP_JS)
    }
  })

  it('follows the q-values of Accept-Encoding', async () => {
    const cases: [string, string | undefined][] = [
      ['br;q=0.5, gzip', 'gzip'],
      ['gzip;q=0.8, br;q=0.9', 'br'],
      ['br;q=0, *', 'gzip'],
      ['*', 'br'],
      // A browser's range request for media: the file itself, never a compressed copy.
      ['identity;q=1, *;q=0', undefined],
      ['br;q=0, gzip;q=0', undefined],
    ]
    for (const [accept, expected] of cases) {
      expect((await get(JS, accept)).headers['content-encoding'], accept).toBe(expected)
    }
  })

  it('compresses the app shell for app routes, still revalidated', async () => {
    const res = await get('/contacts/abc', BROWSER)
    expect(res.headers['content-encoding']).toBe('br')
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(res.headers['cache-control']).toBe('no-cache')
    expect(brotliDecompressSync(res.bytes).toString()).toBe(SHELL)
  })

  it('says Vary on every compressible file, compressed or not, and not on images', async () => {
    const manifest = await get('/manifest.webmanifest', BROWSER) // no compressed copies
    expect(manifest.headers['content-encoding']).toBeUndefined()
    expect(manifest.headers.vary).toBe('Accept-Encoding')
    expect(manifest.body).toBe('{}')
    const png = await get('/icon.png', BROWSER)
    expect(png.headers['content-type']).toBe('image/png')
    expect(png.headers.vary).toBeUndefined()
  })

  it('gives each representation its own ETag and answers 304 only to a match', async () => {
    const br = await get(JS, 'br')
    const tags = await Promise.all(
      ['gzip', 'identity'].map(async (e) => (await get(JS, e)).headers.etag),
    )
    expect(new Set([br.headers.etag, ...tags]).size).toBe(3)
    const ifNoneMatch = { 'If-None-Match': String(br.headers.etag) }
    const again = await get(JS, 'br', ifNoneMatch)
    expect(again.status).toBe(304)
    expect(again.bytes.length).toBe(0)
    expect(again.headers.etag).toBe(br.headers.etag)
    expect(again.headers.vary).toBe('Accept-Encoding')
    expect(again.headers['cache-control']).toBe('public, max-age=31536000, immutable')
    // The brotli tag does not vouch for the gzip body.
    const other = await get(JS, 'gzip', ifNoneMatch)
    expect(other.status).toBe(200)
    expect(gunzipSync(other.bytes).toString()).toBe(APP_JS)
  })

  it('ignores Range: the whole file with 200, never a slice of a compressed copy', async () => {
    for (const encoding of [BROWSER, 'identity']) {
      const res = await get(JS, encoding, { Range: 'bytes=0-3' })
      expect(res.status).toBe(200)
      expect(res.headers['content-range']).toBeUndefined()
      const body =
        res.headers['content-encoding'] === 'br' ? brotliDecompressSync(res.bytes) : res.bytes
      expect(body.toString()).toBe(APP_JS)
    }
  })
})

describe('upgrades', () => {
  it('accepts WebSockets only on /finder', async () => {
    const ws = new WebSocket(`ws://${finder.domain}/elsewhere`)
    const outcome = await new Promise((resolve) => {
      ws.once('open', () => resolve('open'))
      ws.once('error', () => resolve('refused'))
    })
    expect(outcome).toBe('refused')
  })
})
