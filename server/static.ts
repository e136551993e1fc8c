import { createReadStream, type Stats } from 'node:fs'
import { stat } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import path from 'node:path'
import fresh from 'fresh'
import Negotiator from 'negotiator'

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.webmanifest': 'application/manifest+json',
  '.json': 'application/json; charset=utf-8',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
}

/**
 * Files worth compressing. The build writes a brotli `<file>.br` and a gzip `<file>.gz` beside
 * each of them (vite.config.ts, scripts/precompress.ts); the server only picks one, it never
 * compresses while answering.
 */
export const COMPRESSIBLE = /\.(html|m?js|css|svg|webmanifest|json|txt|map|wasm)$/i
const VARIANTS = [
  { encoding: 'br', suffix: '.br' },
  { encoding: 'gzip', suffix: '.gz' },
] as const
type Encoding = (typeof VARIANTS)[number]['encoding'] | 'identity'
// With equal q-values (browsers send `gzip, deflate, br, zstd`), brotli: it is the smaller.
const PREFERRED: Encoding[] = ['br', 'gzip', 'identity']

// Files the browser must re-validate: they name the hashed assets of the current release.
const NO_CACHE = new Set(['/index.html', '/sw.js', '/manifest.webmanifest', '/registerSW.js'])
const IMMUTABLE = 'public, max-age=31536000, immutable'

export function plain(
  res: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-cache',
    ...headers,
  })
  res.end(res.req.method === 'HEAD' ? undefined : text)
}

/**
 * The manifest's `share_target.action` (src/pwa/share-stash.ts SHARE_PATH; server/ may not
 * import it). The service worker answers this POST; it reaches the server only when no worker
 * is active yet (the first launch, or site data cleared).
 */
export const SHARE_TARGET_PATH = '/share-target'

/**
 * A share that arrived before the app was ready: nothing of it can be kept here (the files are
 * the worker's to stash, in the browser), so the body is read and dropped and the page sent to
 * the app with the marker `share=early`, which asks the person to share again
 * (src/glue/share-target.ts). 303: the browser follows with a GET.
 */
export function shareArrivedEarly(req: IncomingMessage, res: ServerResponse): void {
  req.resume()
  plain(res, 303, 'The app was not ready for this share: share again.', {
    Location: '/?share=early',
  })
}

async function fileAt(file: string): Promise<Stats | undefined> {
  try {
    const info = await stat(file)
    return info.isFile() ? info : undefined
  } catch {
    return undefined
  }
}

interface Representation {
  file: string
  info: Stats
  encoding: Encoding
}

/**
 * The representation `req` accepts best among the file and its precompressed siblings: the
 * Accept-Encoding q-values decide, brotli wins ties. Identity when the header is missing (as a
 * browser's range requests for media do: `identity;q=1, *;q=0`) or refuses every variant.
 */
async function negotiate(req: IncomingMessage, file: string, info: Stats): Promise<Representation> {
  const identity: Representation = { file, info, encoding: 'identity' }
  const found = await Promise.all(
    VARIANTS.map(async ({ encoding, suffix }): Promise<Representation | undefined> => {
      const variant = await fileAt(file + suffix)
      return variant ? { file: file + suffix, info: variant, encoding } : undefined
    }),
  )
  const present = found.filter((v): v is Representation => v !== undefined)
  if (!present.length) return identity
  // @types/negotiator describes 0.6, without the `preferred` option of 1.x.
  const negotiator = new Negotiator(req) as unknown as {
    encoding(available: string[], options: { preferred: string[] }): string | undefined
  }
  const best = negotiator.encoding([...present.map((v) => v.encoding), 'identity'], {
    preferred: PREFERRED,
  })
  return present.find((v) => v.encoding === best) ?? identity
}

function cacheControl(urlPath: string): string {
  if (urlPath.startsWith('/assets/')) return IMMUTABLE
  return NO_CACHE.has(urlPath) ? 'no-cache' : 'public, max-age=3600'
}

/** Strong, and distinct per representation: a cached gzip body never answers for brotli. */
function etagOf({ info, encoding }: Representation): string {
  const id = `${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}`
  return `"${encoding === 'identity' ? id : `${id}-${encoding}`}"`
}

/**
 * Serves the built app from `distDir`: hashed `/assets/*` cached forever, the entry points
 * re-validated, and any unknown path without a file extension answered with index.html so the
 * SPA's client-side routes survive a reload. Text files go precompressed when the client accepts
 * it (`Vary: Accept-Encoding`). Every representation has its own ETag; a matching If-None-Match
 * gets 304. Range requests are not supported: a Range header is ignored and the whole
 * representation sent with 200, which HTTP allows. Only GET and HEAD, never outside `distDir`.
 */
export function createStaticHandler(distDir: string) {
  const root = path.resolve(distDir)

  async function send(req: IncomingMessage, res: ServerResponse, file: string, urlPath: string) {
    const info = await fileAt(file)
    if (!info) return false
    const ext = path.extname(file).toLowerCase()
    const compressible = COMPRESSIBLE.test(file)
    const chosen = compressible
      ? await negotiate(req, file, info)
      : { file, info, encoding: 'identity' as const }
    const etag = etagOf(chosen)
    const headers: Record<string, string> = {
      'Cache-Control': cacheControl(urlPath),
      ETag: etag,
      ...(compressible ? { Vary: 'Accept-Encoding' } : {}),
    }
    if (fresh(req.headers, { etag })) {
      res.writeHead(304, headers)
      res.end()
      return true
    }
    res.writeHead(200, {
      ...headers,
      'Content-Type': CONTENT_TYPES[ext] ?? 'application/octet-stream',
      'Content-Length': chosen.info.size,
      ...(chosen.encoding !== 'identity' ? { 'Content-Encoding': chosen.encoding } : {}),
      'X-Content-Type-Options': 'nosniff',
    })
    if (req.method === 'HEAD') res.end()
    else
      createReadStream(chosen.file)
        .on('error', () => res.destroy())
        .pipe(res)
    return true
  }

  return async function serveStatic(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let urlPath: string
    try {
      urlPath = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)
    } catch {
      return plain(res, 400, 'Bad request path')
    }
    if (urlPath.includes('\0')) return plain(res, 400, 'Bad request path')
    // Resolve then re-check the prefix: the one test that stops ../ and encoded variants alike.
    const file = path.resolve(root, '.' + path.posix.normalize(urlPath))
    if (file !== root && !file.startsWith(root + path.sep)) return plain(res, 404, 'Not found')
    if (urlPath.split('/').some((part) => part.startsWith('.'))) return plain(res, 404, 'Not found')

    if (urlPath !== '/' && !urlPath.endsWith('/') && (await send(req, res, file, urlPath))) return
    // A path whose last segment looks like a file name is a missing file, not an app route.
    if (path.posix.extname(urlPath) !== '') return plain(res, 404, 'Not found')
    if (await send(req, res, path.join(root, 'index.html'), '/index.html')) return
    plain(res, 503, 'App not built: run npm run build')
  }
}
