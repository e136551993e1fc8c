import WebSocket from 'ws'
import { OpenPeerError, isOpenPeerError } from '../src/openpeer/errors.ts'
import { randomId } from '../src/openpeer/identity/index.ts'
import {
  Endpoint,
  encode,
  type EndpointHandlers,
  type EndpointOptions,
  type WireError,
  type IncomingNotify,
  type IncomingRequest,
  type WireMessage,
} from '../src/openpeer/wire/index.ts'
import type { Connection, FinderContext } from './context.ts'
import { findReply, findRequest } from './find.ts'
import { relayOpen } from './relay.ts'
import type { IpBudgets } from './ip-limits.ts'
import { TokenBucket } from './limits.ts'
import { peerFileGet, sessionCreate, sessionDelete, sessionKeepAlive } from './session.ts'
import { signal } from './signal.ts'

const OWNER = Symbol('finder socket')
type Owned = WebSocket & { [OWNER]: FinderSocket }

// The socket's listeners, one function for all sockets, not a closure each (19 000 sockets,
// bench:finder): `this` is the ws, which knows its FinderSocket.
const ownerOf = (ws: WebSocket): FinderSocket => (ws as Owned)[OWNER]
function onMessage(this: WebSocket, data: WebSocket.RawData): void {
  ownerOf(this).frame(data)
}
function onPong(this: WebSocket): void {
  ownerOf(this).heardFrom()
}
function onWsClose(this: WebSocket): void {
  ownerOf(this).dispose()
}
/** An 'error' listener: 'close' follows an error, and a bad client must not crash the server. */
export function ignore(): void {}

/**
 * What the socket's Endpoint calls: one object a socket, with methods, in place of an options
 * object, a handlers object and four closures (~250 bytes a client, bench:finder).
 */
class SocketWire implements EndpointOptions, EndpointHandlers {
  readonly channel = 'finder' as const
  // A stranger's client learns what was wrong even when it sent no usable id.
  readonly answerWithoutId = true
  constructor(private readonly socket: FinderSocket) {}
  get handlers(): EndpointHandlers {
    return this
  }
  send(text: string): void {
    this.socket.sendText(text)
  }
  request(msg: IncomingRequest): Promise<object> {
    return this.socket.answer(msg)
  }
  notify(msg: IncomingNotify): Promise<void> {
    return this.socket.take(msg)
  }
  // A newer client speaking another version is not an attacker: it is told (426), not struck.
  malformed(error: WireError): void {
    if (error.code !== 'ERR_VERSION') this.socket.strike()
  }
}

function frameText(data: WebSocket.RawData): string | Buffer {
  if (Array.isArray(data)) return Buffer.concat(data)
  return data instanceof ArrayBuffer ? Buffer.from(data) : data
}

/**
 * One finder socket: admits frames through its rate limits, decodes each once, handles them one
 * at a time (so forwarded signals keep their order) and answers every failure with a coded error.
 */
export class FinderSocket implements Connection {
  readonly session = randomId()
  trusted = false
  suspect = false
  private isClosed = false
  /** heard from (a frame or a pong) since the last heartbeat tick */
  private heard = true
  /** pinged at the last tick for want of anything heard */
  private pinged = false
  private readonly bucket: TokenBucket
  private readonly ipBucket: TokenBucket
  readonly verifyBudget: TokenBucket
  // Made at the first refused frame: most sockets never see one (bench:finder counts bytes).
  private refusals: TokenBucket | undefined
  private readonly penalize: () => void
  private strikes = 0
  /** frames admitted while one is being handled, in order; undefined while idle */
  private waiting: (string | Buffer)[] | undefined
  /** bytes of frames admitted and not yet handled */
  private backlog = 0
  private readonly endpoint: Endpoint
  // Made when someone waits (the finder's shutdown): a promise and its resolver are ~150 bytes.
  private cleanedUp: Promise<void> | undefined
  private resolveDone: (() => void) | undefined
  private isDone = false

  constructor(
    private readonly ws: WebSocket,
    readonly domain: string,
    budgets: IpBudgets,
    private readonly ctx: FinderContext,
  ) {
    const { limits } = ctx
    this.ipBucket = budgets.bucket
    this.verifyBudget = budgets.verify
    this.penalize = budgets.penalize
    this.bucket = new TokenBucket(limits.socketRate, limits.socketBurst)
    this.endpoint = new Endpoint(new SocketWire(this))
    ctx.sockets.set(this.session, this)
    ;(ws as Owned)[OWNER] = this
    ws.on('message', onMessage)
    ws.on('pong', onPong)
    ws.on('error', ignore)
    ws.on('close', onWsClose)
  }

  /** Settles once the socket has closed and its registration and routes are dropped. */
  get done(): Promise<void> {
    if (this.isDone) return Promise.resolve()
    return (this.cleanedUp ??= new Promise<void>((resolve) => (this.resolveDone = resolve)))
  }

  /** A pong (or any frame): the other end is alive (see heartbeat). */
  heardFrom(): void {
    this.heard = true
  }

  get closed(): boolean {
    return this.isClosed
  }

  send(message: WireMessage): boolean {
    let text: string
    try {
      text = encode(message, 'finder')
    } catch (e) {
      this.ctx.log(`finder: cannot encode ${message.type}: ${String(e)}`)
      return false
    }
    return this.sendText(text)
  }

  sendText(text: string): boolean {
    if (this.isClosed || this.ws.readyState !== WebSocket.OPEN) return false
    // A reader that stopped reading would make us buffer without bound: cut it off.
    if (this.ws.bufferedAmount > this.ctx.limits.maxBufferedBytes) {
      this.ws.terminate()
      return false
    }
    this.ws.send(text)
    return true
  }

  /**
   * Called by the heartbeat timer. A socket that sent anything since the last tick is alive
   * and is not pinged: clients keep alive every 15 s, so at 19 000 sockets pinging them all
   * would be 19 000 writes in one go for nothing (a 1.3 s stall, bench:finder). A silent one is
   * pinged, and terminated if it is still silent at the next tick.
   */
  heartbeat(): void {
    if (this.heard) {
      this.heard = false
      this.pinged = false
    } else if (this.pinged) this.ws.terminate()
    else {
      this.pinged = true
      this.ws.ping()
    }
  }

  close(code: number, reason: string): void {
    this.ws.close(code, reason)
  }

  strike(): void {
    this.strikes += 1
    if (this.strikes < this.ctx.limits.strikes || this.isClosed) return
    this.penalize()
    this.ws.close(1008, 'malformed or forged frames')
  }

  terminate(): void {
    this.ws.terminate()
  }

  /** One frame from the ws (see onMessage). */
  frame(data: WebSocket.RawData): void {
    if (this.isClosed || this.ws.readyState !== WebSocket.OPEN) return
    this.heard = true
    const raw = frameText(data)
    // Both buckets must have a token, so a flooding socket cannot drain its IP's shared budget;
    // and frames waiting behind a slow one (its signature in line) are bounded, or they would
    // pile up in memory at the socket's full rate.
    const backlogged = this.backlog >= this.ctx.limits.queuedBytesPerSocket
    if (!backlogged && this.bucket.has() && this.ipBucket.has()) {
      this.bucket.take()
      this.ipBucket.take()
      this.backlog += raw.length
      // One at a time, in order: a frame waits while the one before awaits its crypto.
      if (this.waiting) this.waiting.push(raw)
      else void this.drain(raw)
      return
    }
    const { refusalRate, refusalsBeforeClose } = this.ctx.limits
    this.refusals ??= new TokenBucket(refusalRate, refusalsBeforeClose)
    if (!this.refusals.take()) {
      this.ws.close(1008, 'rate limit exceeded')
      return
    }
    // Answered from a glance at its head: decoding it would cost what the limit is there to save.
    this.endpoint.refuseUnread(
      raw,
      new OpenPeerError('ERR_RATE_LIMITED', 'slow down: too many messages'),
    )
  }

  /**
   * Handles `first` and whatever queues behind it. One promise a burst, not three a frame
   * (then/catch/finally): every client's keep-alive comes through here (bench:finder).
   */
  private async drain(first: string | Buffer): Promise<void> {
    this.waiting = []
    for (let raw: string | Buffer | undefined = first; raw !== undefined;) {
      // Queued frames of a socket that is closing (say, cut off for flooding) are not worth work.
      if (this.ws.readyState === WebSocket.OPEN) {
        try {
          await this.endpoint.receive(raw)
        } catch (e) {
          this.ctx.log(`finder: frame handling failed: ${String(e)}`)
        }
      }
      this.backlog -= raw.length
      raw = this.waiting.shift()
    }
    this.waiting = undefined
  }

  /** A request's result body (see SocketWire). */
  async answer(msg: IncomingRequest): Promise<object> {
    try {
      return await this.onRequest(msg)
    } catch (e) {
      throw this.logged(msg, e)
    }
  }

  /** A notify handled (see SocketWire). */
  async take(msg: IncomingNotify): Promise<void> {
    try {
      await this.onNotify(msg)
    } catch (e) {
      throw this.logged(msg, e)
    }
  }

  /** Bugs (anything uncoded) are logged here; the client gets ERR_INTERNAL either way. */
  private logged(msg: WireMessage, e: unknown): unknown {
    if (!isOpenPeerError(e) || e.code === 'ERR_INTERNAL')
      this.ctx.log(`finder: ${msg.type} failed: ${String(e)}`)
    return e
  }

  private async onNotify(msg: IncomingNotify): Promise<void> {
    const { ctx } = this
    if (msg.type === 'peer-location-find') return findReply(ctx, this, msg)
    if (msg.type === 'peer-location-signal') return signal(ctx, this, msg)
    throw new OpenPeerError('ERR_BAD_MESSAGE', `${msg.type} notify is not for the finder`)
  }

  private async onRequest(msg: IncomingRequest): Promise<object> {
    const { ctx } = this
    switch (msg.type) {
      case 'session-create':
        return sessionCreate(ctx, this, msg)
      case 'session-keep-alive':
        return sessionKeepAlive(ctx, this)
      case 'session-delete':
        return sessionDelete(ctx, this)
      case 'peer-file-get':
        return peerFileGet(ctx, msg)
      case 'peer-location-find':
        return findRequest(ctx, this, msg)
      case 'relay-open':
        return relayOpen(ctx, this, msg)
      default:
        throw new OpenPeerError('ERR_BAD_MESSAGE', `${msg.type} is not a finder request`)
    }
  }

  /** The ws closed (see onWsClose). */
  dispose(): void {
    if (this.isClosed) return
    this.isClosed = true
    this.ctx.sockets.delete(this.session)
    this.ctx.relays.dropOwner(this.session)
    this.ctx.turn?.detach(this.session)
    const { registry } = this.ctx
    // Its location is gone and nobody may route through the finds it opened.
    void Promise.all([registry.unregister(this.session), registry.dropRoutes(this.session)])
      .catch((e: unknown) => this.ctx.log(`finder: cleanup failed: ${String(e)}`))
      .finally(() => {
        this.isDone = true
        this.resolveDone?.()
      })
  }
}
