import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import path from 'node:path'

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

async function fileAt(file: string): Promise<{ size: number } | undefined> {
  try {
    const info = await stat(file)
    return info.isFile() ? info : undefined
  } catch {
    return undefined
  }
}

/**
 * Serves the built app from `distDir`: hashed `/assets/*` cached forever, the entry points
 * re-validated, and any unknown path without a file extension answered with index.html so the
 * SPA's client-side routes survive a reload. Only GET and HEAD, never outside `distDir`.
 */
export function createStaticHandler(distDir: string) {
  const root = path.resolve(distDir)

  async function send(req: IncomingMessage, res: ServerResponse, file: string, urlPath: string) {
    const info = await fileAt(file)
    if (!info) return false
    const ext = path.extname(file).toLowerCase()
    const cache = urlPath.startsWith('/assets/')
      ? IMMUTABLE
      : NO_CACHE.has(urlPath)
        ? 'no-cache'
        : 'public, max-age=3600'
    res.writeHead(200, {
      'Content-Type': CONTENT_TYPES[ext] ?? 'application/octet-stream',
      'Content-Length': info.size,
      'Cache-Control': cache,
      'X-Content-Type-Options': 'nosniff',
    })
    if (req.method === 'HEAD') res.end()
    else
      createReadStream(file)
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
