import { Backoff } from '../async.ts'
import { OpenPeerError } from '../errors.ts'
import { Emitter } from '../events.ts'
import { Endpoint } from '../wire/endpoint.ts'
import {
  RELAY_PATH,
  type NotifyBody,
  type NotifyType,
  type RequestBody,
  type RequestOf,
  type RequestType,
  type ResultBody,
  type WireMessage,
} from '../wire/messages.ts'
import type { SocketLike } from '../ports.ts'
export type FinderState = 'connecting' | 'online' | 'offline'

export interface FinderConnectionEvents {
  state: { state: FinderState; error?: OpenPeerError }
  /** the socket (re)opened: register again, the finder forgot us */
  open: undefined
  request: RequestOf<'peer-location-find'>
  notify: Extract<WireMessage, { kind: 'notify' }>
}

export interface FinderConnectionOptions {
  url: string
  /**
   * Several finders of one domain (a cluster, the bootstrap's `finders`): the connection starts
   * at a random one, spreading a domain's clients over them, and every reconnect after a
   * failure moves to another, so a dead node's clients come back through a live one. Overrides
   * `url`.
   */
  urls?: readonly string[]
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
  private readonly endpoint: Endpoint
  private readonly backoff: Backoff
  private timer: ReturnType<typeof setTimeout> | undefined
  private stopped = true
  /** a retryNow came while an attempt was in flight: if that attempt fails, try again at once */
  private retryAsked = false
  private readonly urls: readonly string[]
  private current: string
  private readonly random: () => number
  state: FinderState = 'offline'

  constructor(private readonly opts: FinderConnectionOptions) {
    super()
    this.random = opts.random ?? Math.random
    this.urls = opts.urls?.length ? opts.urls : [opts.url]
    this.current = this.pick(this.urls)
    this.backoff = new Backoff({
      ...(opts.minDelay !== undefined ? { min: opts.minDelay } : {}),
      ...(opts.maxDelay !== undefined ? { max: opts.maxDelay } : {}),
      ...(opts.random ? { random: opts.random } : {}),
    })
    this.endpoint = new Endpoint({
      channel: 'finder',
      timeout: opts.requestTimeout ?? 10_000,
      send: (text) => {
        const socket = this.socket
        if (!socket || socket.readyState !== OPEN || this.state !== 'online') {
          throw new OpenPeerError('ERR_FINDER_UNREACHABLE', 'the finder is offline')
        }
        socket.send(text)
      },
      handlers: {
        // A finder forwards finds to us; it has no business asking anything else.
        request: (message) => {
          if (message.type !== 'peer-location-find') {
            throw new OpenPeerError('ERR_BAD_MESSAGE', 'clients do not serve this')
          }
          this.emit('request', message)
        },
        notify: (message) => this.emit('notify', message),
      },
    })
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
      socket.onclose = socket.onmessage = socket.onopen = null
      // Closing a socket still connecting makes `ws` report an error; with no handler left
      // that error would be thrown at the top level.
      socket.onerror = () => {}
      try {
        socket.close(1000, 'bye')
      } catch {
        // already closing
      }
    }
    this.endpoint.failPending(
      new OpenPeerError('ERR_FINDER_UNREACHABLE', 'finder connection stopped'),
    )
    this.setState('offline')
  }

  /** the finder socket's URL now (its relay lives beside it, on the same host and port) */
  get url(): string {
    return this.current
  }

  /** who carries a find sent here (FindChannel) */
  get via(): string {
    return new URL(this.current).host
  }

  /** The relay tunnel beside this finder (FindChannel): same host and port, path /relay. */
  get relay(): {
    url: string
    urls: string[]
    open(context: string): Promise<{ token: string; peerToken: string }>
  } {
    return {
      url: new URL(RELAY_PATH, this.current).href,
      urls: this.urls.map((url) => new URL(RELAY_PATH, url).href),
      open: (context) => this.request('relay-open', { context }),
    }
  }

  get online(): boolean {
    return this.state === 'online'
  }

  /**
   * Reconnect now instead of waiting out the backoff (e.g. the browser came back online). While
   * an attempt is in flight it may be the one the network change dooms (a socket opened on the
   * old network): if it fails, the next one starts at once, not after a backoff period.
   */
  retryNow(): void {
    if (this.stopped || this.state === 'online') return
    if (this.state === 'connecting') {
      this.retryAsked = true
      return
    }
    clearTimeout(this.timer)
    this.connect()
  }

  /**
   * The socket looks open but answers nothing (a laptop woke on another network, a proxy dropped
   * the connection without a close): give it up and connect again at once.
   */
  restart(reason: string): void {
    const socket = this.socket
    if (this.stopped || !socket) return
    this.socket = undefined
    socket.onclose = socket.onmessage = socket.onopen = null
    socket.onerror = () => {}
    try {
      socket.close(4000, 'no answer')
    } catch {
      // already closing
    }
    const error = new OpenPeerError('ERR_FINDER_UNREACHABLE', reason)
    this.endpoint.failPending(error)
    this.setState('offline', error)
    clearTimeout(this.timer)
    this.moveOn()
    this.connect()
  }

  request<T extends RequestType>(
    type: T,
    body: RequestBody<T>,
    opts: { signal?: AbortSignal; timeout?: number } = {},
  ): Promise<ResultBody<T>> {
    return this.endpoint.request(type, body, opts)
  }

  notify<T extends NotifyType>(type: T, body: NotifyBody<T>): void {
    this.endpoint.notify(type, body)
  }

  private pick(urls: readonly string[]): string {
    return urls[Math.min(urls.length - 1, Math.floor(this.random() * urls.length))] ?? ''
  }

  /** After a failure: another of the domain's finders, if it has more than one. */
  private moveOn(): void {
    const others = this.urls.filter((url) => url !== this.current)
    if (others.length) this.current = this.pick(others)
  }

  private connect(): void {
    this.retryAsked = false
    this.setState('connecting')
    let socket: SocketLike
    try {
      socket = this.opts.createSocket(this.current)
    } catch (cause) {
      this.scheduleReconnect(
        new OpenPeerError('ERR_FINDER_UNREACHABLE', 'cannot open the finder socket', { cause }),
      )
      return
    }
    this.socket = socket
    socket.onopen = () => {
      this.retryAsked = false
      this.backoff.reset()
      this.setState('online')
      this.emit('open', undefined)
    }
    socket.onmessage = (ev) => void this.endpoint.receive(ev.data)
    socket.onerror = () => {
      // onclose follows and carries the decision
    }
    socket.onclose = (ev) => {
      if (this.socket !== socket) return
      this.socket = undefined
      const error = new OpenPeerError(
        'ERR_FINDER_UNREACHABLE',
        `finder connection closed (${ev.code})`,
      )
      this.endpoint.failPending(error)
      this.scheduleReconnect(error)
    }
  }

  private scheduleReconnect(error: OpenPeerError): void {
    if (this.stopped) return
    this.moveOn()
    this.setState('offline', error)
    clearTimeout(this.timer)
    if (this.retryAsked) {
      // At once, not on a timer: a page whose timers are held back (a frozen or throttled
      // tab, the e2e's paused clock) would wait as long as for the backoff.
      this.connect()
      return
    }
    this.timer = setTimeout(() => this.connect(), this.backoff.next())
  }

  private setState(state: FinderState, error?: OpenPeerError): void {
    if (this.state === state && !error) return
    this.state = state
    this.emit('state', error ? { state, error } : { state })
  }
}
