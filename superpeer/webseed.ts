import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Readable } from 'node:stream'
import type { TorrentService } from '../src/openpeer/index.ts'

/*
 * The super-peer's web seed (BEP 19): its public files over plain HTTP with range requests, and
 * their .torrent files, so a browser or a stock client can fetch them with no peer at all —
 * `publicMagnet(…, { webSeedBase })` names both in the link. Files not marked public, or not
 * complete here, are 404: this endpoint must not become a way around the sessions.
 */

export interface WebSeedServer {
  /** http://host:port, what publicMagnet's webSeedBase takes */
  url: string
  close(): Promise<void>
}

export async function serveWebSeeds(
  torrents: TorrentService,
  opts: { port: number; host?: string | undefined },
): Promise<WebSeedServer> {
  const server = createServer((req, res) => {
    handle(torrents, req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500)
      res.end()
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port, opts.host, () => resolve())
  })
  const { address, port } = server.address() as AddressInfo
  const host = address.includes(':') ? `[${address}]` : address
  return {
    url: `http://${host === '[::]' || host === '0.0.0.0' ? 'localhost' : host}:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}

async function handle(
  torrents: TorrentService,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  // Web seeds are fetched cross-origin by browsers: say they may, and may read the range.
  res.setHeader('access-control-allow-origin', '*')
  res.setHeader('access-control-expose-headers', 'content-range, accept-ranges, content-length')
  if (req.method === 'OPTIONS') {
    // WebTorrent's web seed requests carry Range, its own User-Agent and, from a browser,
    // Cache-Control and Pragma (it fetches with cache: 'no-store'): all preflighted.
    res.setHeader(
      'access-control-allow-headers',
      req.headers['access-control-request-headers'] ?? 'range, user-agent, cache-control, pragma',
    )
    return void res.writeHead(204).end()
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') return void res.writeHead(405).end()
  const path = new URL(req.url ?? '/', 'http://x').pathname
  const file = /^\/files\/([0-9a-f]{40})(?:\/[^/]*)?$/.exec(path)
  const meta = /^\/torrents\/([0-9a-f]{40})\.torrent$/.exec(path)
  const infoHash = file?.[1] ?? meta?.[1]
  const view = infoHash ? torrents.get(infoHash) : undefined
  if (!infoHash || !view || !view.public || !view.done) return void res.writeHead(404).end()

  if (meta) {
    const body = torrents.torrentFile(infoHash)
    if (!body) return void res.writeHead(404).end()
    res.writeHead(200, {
      'content-type': 'application/x-bittorrent',
      'content-length': body.length,
    })
    return void res.end(req.method === 'HEAD' ? undefined : body)
  }

  const size = view.size
  const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '')
  let start = 0
  let end = size - 1
  if (range && (range[1] || range[2])) {
    if (range[1]) {
      start = Number(range[1])
      if (range[2]) end = Math.min(size - 1, Number(range[2]))
    } else {
      start = Math.max(0, size - Number(range[2])) // the last N bytes
    }
    if (start > end || start >= size) {
      return void res.writeHead(416, { 'content-range': `bytes */${size}` }).end()
    }
  }
  res.writeHead(range ? 206 : 200, {
    'content-type': view.mime,
    'content-length': end - start + 1,
    'accept-ranges': 'bytes',
    ...(range ? { 'content-range': `bytes ${start}-${end}/${size}` } : {}),
  })
  if (req.method === 'HEAD') return void res.end()
  const body = Readable.fromWeb(torrents.stream(infoHash, { start, end }) as never)
  body.on('error', () => res.destroy())
  body.pipe(res)
}
