import { OpenPeerError, abortError } from '../errors.ts'
import { Emitter } from '../events.ts'
import { randomId } from '../identity/encoding.ts'
import { decode, encode, errorResult } from '../wire/codec.ts'
import type {
  MessageType,
  NotifyBody,
  NotifyType,
  RequestBody,
  RequestOf,
  RequestType,
  ResultBody,
  WireMessage,
} from '../wire/messages.ts'
import type { SocketLike } from '../ports.ts'

export type FinderState = 'connecting' | 'online' | 'offline'

export interface FinderConnectionEvents extends Record<string, unknown> {
  state: { state: FinderState; error?: OpenPeerError }
  /** the socket (re)opened: register again, the finder forgot us */
  open: undefined
  request: RequestOf<'peer-location-find'>
  notify: Extract<WireMessage, { kind: 'notify' }>
}

export interface FinderConnectionOptions {
  url: string
  createSocket(url: string): SocketLike
  /** backoff bounds for reconnects, ms */
  minDelay?: number
  maxDelay?: number
  requestTimeout?: number
  random?: () => number
}

const OPEN = 1

/**
 * One WebSocket to one finder: request/result by id, pushed requests and notifies, and
 * reconnect with exponential backoff and full jitter until stopped. It knows nothing of
 * registration; the owner re-registers on every `open`.
 */
export class FinderConnection extends Emitter<FinderConnectionEvents> {
  private socket: SocketLike | undefined
  private readonly pending = new Map<
    string,
    { resolve: (m: WireMessage) => void; reject: (e: unknown) => void }
  >()
  private attempt = 0
  private timer: ReturnType<typeof setTimeout> | undefined
  private stopped = true
  state: FinderState = 'offline'

  constructor(private readonly opts: FinderConnectionOptions) {
    super()
  }

  start(): void {
    if (!this.stopped) return
    this.stopped = false
    this.connect()
  }

  stop(): void {
    if (this.stopped) return
    this.stopped = true
    clearTimeout(this.timer)
    const socket = this.socket
    this.socket = undefined
    if (socket) {
      socket.onclose = socket.onmessage = socket.onopen = socket.onerror = null
      try {
        socket.close(1000, 'bye')
      } catch {
        // already closing
      }
    }
    this.failPending(new OpenPeerError('ERR_FINDER_UNREACHABLE', 'finder connection stopped'))
    this.setState('offline')
  }

  get online(): boolean {
    return this.state === 'online'
  }

  /** Reconnect now instead of waiting out the backoff (e.g. the browser came back online). */
  retryNow(): void {
    if (this.stopped || this.state !== 'offline') return
    clearTimeout(this.timer)
    this.connect()
  }

  async request<T extends RequestType>(
    type: T,
    body: RequestBody<T>,
    opts: { signal?: AbortSignal } = {},
  ): Promise<ResultBody<T>> {
    const socket = this.socket
    if (!socket || socket.readyState !== OPEN || this.state !== 'online') {
      throw new OpenPeerError('ERR_FINDER_UNREACHABLE', 'the finder is offline')
    }
    const id = randomId(12)
    const signal = AbortSignal.any(
      [AbortSignal.timeout(this.opts.requestTimeout ?? 10_000), opts.signal].filter(
        (s): s is AbortSignal => !!s,
      ),
    )
    const message = { v: 1, kind: 'request', type, id, ...body } as unknown as WireMessage
    const reply = await new Promise<WireMessage>((resolve, reject) => {
      const onAbort = (): void => {
        this.pending.delete(id)
        reject(abortError(signal))
      }
      if (signal.aborted) return onAbort()
      signal.addEventListener('abort', onAbort, { once: true })
      this.pending.set(id, {
        resolve: (m) => {
          signal.removeEventListener('abort', onAbort)
          resolve(m)
        },
        reject: (e) => {
          signal.removeEventListener('abort', onAbort)
          reject(e)
        },
      })
      try {
        socket.send(encode(message, 'finder'))
      } catch (err) {
        this.pending.delete(id)
        reject(err)
      }
    })
    if ('error' in reply) throw OpenPeerError.fromWire(reply.error)
    const {
      v: _v,
      kind: _k,
      type: _t,
      id: _i,
      ...result
    } = reply as unknown as Record<string, unknown>
    return result as ResultBody<T>
  }

  notify<T extends NotifyType>(type: T, body: NotifyBody<T>): void {
    const socket = this.socket
    if (!socket || socket.readyState !== OPEN) {
      throw new OpenPeerError('ERR_FINDER_UNREACHABLE', 'the finder is offline')
    }
    socket.send(
      encode(
        { v: 1, kind: 'notify', type, id: randomId(12), ...body } as unknown as WireMessage,
        'finder',
      ),
    )
  }

  private connect(): void {
    this.setState('connecting')
    let socket: SocketLike
    try {
      socket = this.opts.createSocket(this.opts.url)
    } catch (cause) {
      this.scheduleReconnect(
        new OpenPeerError('ERR_FINDER_UNREACHABLE', 'cannot open the finder socket', { cause }),
      )
      return
    }
    this.socket = socket
    socket.onopen = () => {
      this.attempt = 0
      this.setState('online')
      this.emit('open', undefined)
    }
    socket.onmessage = (ev) => this.onFrame(ev.data)
    socket.onerror = () => {
      // onclose follows and carries the decision
    }
    socket.onclose = (ev) => {
      if (this.socket !== socket) return
      this.socket = undefined
      this.failPending(
        new OpenPeerError('ERR_FINDER_UNREACHABLE', `finder connection closed (${ev.code})`),
      )
      this.scheduleReconnect(
        new OpenPeerError('ERR_FINDER_UNREACHABLE', `finder connection closed (${ev.code})`),
      )
    }
  }

  private scheduleReconnect(error: OpenPeerError): void {
    if (this.stopped) return
    this.setState('offline', error)
    const min = this.opts.minDelay ?? 500
    const max = this.opts.maxDelay ?? 30_000
    // Full jitter: many clients dropped by one finder restart must not return in one wave.
    const ceiling = Math.min(max, min * 2 ** this.attempt)
    const delay = Math.max(min / 2, (this.opts.random ?? Math.random)() * ceiling)
    this.attempt = Math.min(this.attempt + 1, 20)
    clearTimeout(this.timer)
    this.timer = setTimeout(() => this.connect(), delay)
  }

  private failPending(error: OpenPeerError): void {
    for (const p of this.pending.values()) p.reject(error)
    this.pending.clear()
  }

  private setState(state: FinderState, error?: OpenPeerError): void {
    if (this.state === state && !error) return
    this.state = state
    this.emit('state', error ? { state, error } : { state })
  }

  private onFrame(data: unknown): void {
    let message: WireMessage
    try {
      message = decode(
        typeof data === 'string' ? data : data instanceof ArrayBuffer ? new Uint8Array(data) : data,
        'finder',
      )
    } catch (err) {
      // A finder that sends garbage is not worth answering; the pending request times out.
      return void err
    }
    if (message.kind === 'result') {
      const pending = this.pending.get(message.id)
      if (pending) {
        this.pending.delete(message.id)
        pending.resolve(message)
      }
      return
    }
    if (message.kind === 'notify') return this.emit('notify', message)
    if (message.type === 'peer-location-find') return this.emit('request', message)
    this.socket?.send(
      encode(
        errorResult(
          message.type as MessageType,
          message.id,
          new OpenPeerError('ERR_BAD_MESSAGE', 'clients do not serve this'),
        ),
        'finder',
      ),
    )
  }
}
