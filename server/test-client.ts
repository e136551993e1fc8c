import WebSocket from 'ws'
import type { RequestBody, RequestType } from '../src/openpeer/wire/index.ts'

/** A frame as the test sees it: parsed JSON, not decoded, so even malformed replies show up. */
export type Frame = Record<string, unknown> & {
  v?: unknown
  kind?: string
  type?: string
  id?: string
  error?: { code: number; reason: string }
}

export interface TestClient {
  ws: WebSocket
  /** Sends a request and resolves with its result frame (success or error). */
  request<T extends RequestType>(type: T, body: RequestBody<T>): Promise<Frame>
  /** Sends a notify and returns its id (errors come back as results with that id). */
  notify(type: string, body: Record<string, unknown>): string
  /** Sends raw text, or an object as JSON, and returns nothing. */
  sendRaw(data: string | Buffer | object): void
  /** Waits for a frame the client did not ask for (or any frame matching `predicate`). */
  next(predicate?: (frame: Frame) => boolean, timeout?: number): Promise<Frame>
  /** Every frame received so far, in order. */
  frames: Frame[]
  closed: Promise<{ code: number; reason: string }>
  close(): Promise<void>
}

let counter = 0
const newId = () => `t${Date.now().toString(36)}${(counter++).toString(36)}`

export async function connect(
  url: string,
  opts: WebSocket.ClientOptions = {},
): Promise<TestClient> {
  const ws = new WebSocket(url.replace(/^http/, 'ws'), opts)
  const frames: Frame[] = []
  const pending = new Map<string, (frame: Frame) => void>()
  let waiters: { predicate: (f: Frame) => boolean; resolve: (f: Frame) => void }[] = []
  const unclaimed: Frame[] = []

  ws.on('message', (data) => {
    const frame = JSON.parse(data.toString()) as Frame
    frames.push(frame)
    const answer = frame.kind === 'result' && frame.id ? pending.get(frame.id) : undefined
    if (answer) {
      pending.delete(frame.id as string)
      return answer(frame)
    }
    const waiter = waiters.find((w) => w.predicate(frame))
    if (waiter) {
      waiters = waiters.filter((w) => w !== waiter)
      waiter.resolve(frame)
    } else unclaimed.push(frame)
  })
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  )
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve())
    ws.once('error', reject)
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)))
  })
  ws.on('error', () => {})

  const send = (text: string) => ws.send(text)
  return {
    ws,
    frames,
    closed,
    request(type, body) {
      const id = newId()
      const result = new Promise<Frame>((resolve) => pending.set(id, resolve))
      send(JSON.stringify({ v: 1, kind: 'request', type, id, ...body }))
      return withTimeout(result, 3000, `no result for ${type}`)
    },
    notify(type, body) {
      const id = newId()
      send(JSON.stringify({ v: 1, kind: 'notify', type, id, ...body }))
      return id
    },
    sendRaw(data) {
      ws.send(typeof data === 'string' || Buffer.isBuffer(data) ? data : JSON.stringify(data))
    },
    next(predicate = () => true, timeout = 3000) {
      const index = unclaimed.findIndex(predicate)
      if (index >= 0) return Promise.resolve(unclaimed.splice(index, 1)[0] as Frame)
      return withTimeout(
        new Promise<Frame>((resolve) => waiters.push({ predicate, resolve })),
        timeout,
        'no matching frame',
      )
    },
    async close() {
      if (ws.readyState !== WebSocket.CLOSED) ws.close()
      await closed
    },
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(what)), ms))),
  ])
}
