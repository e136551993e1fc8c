import WebSocket from 'ws'
import { OpenPeerError, isOpenPeerError } from '../src/openpeer/errors.ts'
import { randomId } from '../src/openpeer/identity/index.ts'
import {
  CATALOGUE,
  decode,
  encode,
  errorResult,
  idSchema,
  type MessageType,
  type WireMessage,
} from '../src/openpeer/wire/index.ts'
import type { Connection, FinderContext } from './context.ts'
import { findReply, findRequest } from './find.ts'
import { TokenBucket } from './limits.ts'
import { peerFileGet, sessionCreate, sessionDelete, sessionKeepAlive } from './session.ts'
import { signal } from './signal.ts'

interface Peeked {
  kind?: string | undefined
  type: MessageType | 'error'
  id: string
}

/** The envelope fields of a frame we will not handle, as far as they can be read. */
function peek(text: string): Peeked {
  try {
    const value: unknown = JSON.parse(text)
    if (typeof value !== 'object' || value === null) return { type: 'error', id: '' }
    const { kind, type, id } = value as Record<string, unknown>
    const known = typeof type === 'string' && Object.hasOwn(CATALOGUE, type)
    return {
      kind: typeof kind === 'string' ? kind : undefined,
      type: known ? (type as MessageType) : 'error',
      id: idSchema.safeParse(id).success ? (id as string) : '',
    }
  } catch {
    return { type: 'error', id: '' }
  }
}

function asOpenPeerError(e: unknown): OpenPeerError {
  if (isOpenPeerError(e)) return e
  return new OpenPeerError('ERR_INTERNAL', 'internal error', { cause: e })
}

function frameText(data: WebSocket.RawData): string | Buffer {
  if (Array.isArray(data)) return Buffer.concat(data)
  return data instanceof ArrayBuffer ? Buffer.from(data) : data
}

/**
 * One finder socket: admits frames through its rate limits, decodes each once, handles them one
 * at a time (so forwarded signals keep their order) and answers every failure with a coded error.
 */
export class FinderConnection implements Connection {
  readonly session = randomId()
  private isClosed = false
  private alive = true
  private readonly bucket: TokenBucket
  private readonly refusals: TokenBucket
  private queue: Promise<void> = Promise.resolve()
  private resolveDone!: () => void
  /** Settles once the socket has closed and its registration and routes are dropped. */
  readonly done = new Promise<void>((resolve) => (this.resolveDone = resolve))

  constructor(
    private readonly ws: WebSocket,
    readonly domain: string,
    private readonly ipBucket: TokenBucket,
    private readonly ctx: FinderContext,
    private readonly onClose: () => void,
  ) {
    const { limits } = ctx
    this.bucket = new TokenBucket(limits.socketRate, limits.socketBurst)
    this.refusals = new TokenBucket(limits.refusalRate, limits.refusalsBeforeClose)
    ctx.sockets.set(this.session, this)
    ws.on('message', (data) => this.onFrame(data))
    ws.on('pong', () => (this.alive = true))
    ws.on('error', () => {}) // 'close' follows; a bad client must not crash the server
    ws.on('close', () => this.dispose())
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

  /** Called by the heartbeat timer: terminate if the last ping went unanswered. */
  heartbeat(): void {
    if (!this.alive) {
      this.ws.terminate()
      return
    }
    this.alive = false
    this.ws.ping()
  }

  close(code: number, reason: string): void {
    this.ws.close(code, reason)
  }

  terminate(): void {
    this.ws.terminate()
  }

  private onFrame(data: WebSocket.RawData): void {
    if (this.isClosed || this.ws.readyState !== WebSocket.OPEN) return
    const raw = frameText(data)
    // Both buckets must have a token, so a flooding socket cannot drain its IP's shared budget.
    if (this.bucket.has() && this.ipBucket.has()) {
      this.bucket.take()
      this.ipBucket.take()
      this.queue = this.queue
        .then(() => this.handle(raw))
        .catch((e: unknown) => this.ctx.log(`finder: frame handling failed: ${String(e)}`))
      return
    }
    if (!this.refusals.take()) {
      this.ws.close(1008, 'rate limit exceeded')
      return
    }
    const env = peek(raw.toString())
    if (env.kind === 'result') return
    const err = new OpenPeerError('ERR_RATE_LIMITED', 'slow down: too many messages')
    this.send(errorResult(env.type, env.id, err))
  }

  private async handle(raw: string | Buffer): Promise<void> {
    // Queued frames of a socket that is closing (say, cut off for flooding) are not worth work.
    if (this.ws.readyState !== WebSocket.OPEN) return
    let msg: WireMessage
    try {
      msg = decode(raw, 'finder')
    } catch (e) {
      const env = peek(raw.toString())
      // Never answer a result, not even a broken one: two sides doing so would loop forever.
      if (env.kind === 'result') return
      const messageId = (e as { messageId?: string }).messageId
      this.reply(env.type, messageId ?? '', asOpenPeerError(e))
      return
    }
    if (msg.kind === 'result') return // the finder asks nothing, so results are noise
    try {
      await this.dispatch(msg)
    } catch (e) {
      const err = asOpenPeerError(e)
      if (err.code === 'ERR_INTERNAL') this.ctx.log(`finder: ${msg.type} failed: ${String(e)}`)
      this.reply(msg.type, msg.id, err)
    }
  }

  private reply(type: MessageType | 'error', id: string, err: OpenPeerError): void {
    const result = errorResult(type, id, err)
    // The error schema caps reasons at 500 characters; a longer one would be dropped as malformed.
    if ('error' in result) result.error.reason = result.error.reason.slice(0, 500)
    this.send(result)
  }

  private async dispatch(msg: WireMessage): Promise<void> {
    const { ctx } = this
    if (msg.kind === 'notify') {
      if (msg.type === 'peer-location-find') return findReply(ctx, this, msg)
      if (msg.type === 'peer-location-signal') return signal(ctx, this, msg)
      throw new OpenPeerError('ERR_BAD_MESSAGE', `${msg.type} notify is not for the finder`)
    }
    if (msg.kind !== 'request') return
    const envelope = { v: 1, kind: 'result', id: msg.id } as const
    switch (msg.type) {
      case 'session-create':
        this.send({ ...envelope, type: msg.type, ...(await sessionCreate(ctx, this, msg)) })
        return
      case 'session-keep-alive':
        this.send({ ...envelope, type: msg.type, ...(await sessionKeepAlive(ctx, this)) })
        return
      case 'session-delete':
        this.send({ ...envelope, type: msg.type, ...(await sessionDelete(ctx, this)) })
        return
      case 'peer-file-get':
        this.send({ ...envelope, type: msg.type, ...(await peerFileGet(ctx, msg)) })
        return
      case 'peer-location-find':
        this.send({ ...envelope, type: msg.type, ...(await findRequest(ctx, this, msg)) })
        return
      default:
        throw new OpenPeerError('ERR_BAD_MESSAGE', `${msg.type} is not a finder request`)
    }
  }

  private dispose(): void {
    if (this.isClosed) return
    this.isClosed = true
    this.ctx.sockets.delete(this.session)
    this.onClose()
    const { registry } = this.ctx
    // Its location is gone and nobody may route through the finds it opened.
    void Promise.all([registry.unregister(this.session), registry.dropRoutes(this.session)])
      .catch((e: unknown) => this.ctx.log(`finder: cleanup failed: ${String(e)}`))
      .finally(this.resolveDone)
  }
}
