import { createServer, request, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import WebSocket, { WebSocketServer } from 'ws'

/** One WebSocket frame as the finder saw it: what a client sent it, or what it sent a client. */
export interface SeenFrame {
  /** 'in': client → finder; 'out': finder → client */
  dir: 'in' | 'out'
  /** the upgrade path: /finder, or /relay for a relay tunnel */
  path: string
  /** the proxy's number for the socket (one per client connection) */
  socket: number
  text: string
  at: number
}

export interface RecordingProxy {
  /** host:port clients use as the finder's domain */
  domain: string
  /** every HTTP request the finder answered (method and path) */
  readonly requests: string[]
  readonly frames: SeenFrame[]
  close(): Promise<void>
}

/**
 * A transparent proxy in front of a finder that records everything the finder sees: HTTP
 * requests, and every WebSocket frame in both directions. The Host header is passed through, so
 * the finder answers for the proxy's domain and clients never know it is there.
 */
export async function recordingProxy(finderPort: number): Promise<RecordingProxy> {
  const frames: SeenFrame[] = []
  const requests: string[] = []
  const sockets = new Set<WebSocket>()
  let count = 0
  const http = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`)
    const upstream = request(
      {
        host: '127.0.0.1',
        port: finderPort,
        path: req.url,
        method: req.method,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(res)
      },
    )
    upstream.on('error', () => res.destroy())
    req.pipe(upstream)
  })
  const wss = new WebSocketServer({ noServer: true })
  http.on('upgrade', (req: IncomingMessage, raw: Duplex, head: Buffer) => {
    raw.on('error', () => {})
    const path = req.url ?? '/'
    wss.handleUpgrade(req, raw, head, (client) => {
      const socket = ++count
      const finder = new WebSocket(`ws://127.0.0.1:${finderPort}${path}`, {
        headers: { host: req.headers.host ?? '' },
      })
      sockets.add(client).add(finder)
      const pending: [WebSocket.RawData, boolean][] = []
      const record = (dir: 'in' | 'out', data: WebSocket.RawData) =>
        frames.push({ dir, path, socket, text: textOf(data), at: Date.now() })
      client.on('message', (data, binary) => {
        record('in', data)
        if (finder.readyState === WebSocket.OPEN) finder.send(data, { binary })
        else pending.push([data, binary])
      })
      finder.on('open', () => {
        for (const [data, binary] of pending.splice(0)) finder.send(data, { binary })
      })
      finder.on('message', (data, binary) => {
        record('out', data)
        if (client.readyState === WebSocket.OPEN) client.send(data, { binary })
      })
      const closeBoth = () => {
        if (client.readyState === WebSocket.OPEN) client.close()
        if (finder.readyState === WebSocket.OPEN) finder.close()
      }
      client.on('close', closeBoth)
      finder.on('close', closeBoth)
      client.on('error', () => {})
      finder.on('error', () => client.terminate())
    })
  })
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve))
  const { port } = http.address() as AddressInfo
  return {
    domain: `127.0.0.1:${port}`,
    requests,
    frames,
    async close() {
      for (const s of sockets) s.terminate()
      wss.close()
      http.closeAllConnections()
      await new Promise<void>((resolve) => http.close(() => resolve()))
    },
  }
}

function textOf(data: WebSocket.RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8')
  return Buffer.from(data as ArrayBuffer).toString('utf8')
}
