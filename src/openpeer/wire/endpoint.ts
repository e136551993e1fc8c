import { OpenPeerError, asOpenPeerError } from '../errors.ts'
import { randomId } from '../identity/encoding.ts'
import { raceSignal, withTimeout } from '../async.ts'
import { WireError, decode, encode, errorResult, glance, type Envelope } from './codec.ts'
import type {
  Channel,
  NotifyBody,
  NotifyType,
  RequestBody,
  RequestType,
  ResultBody,
  WireMessage,
} from './messages.ts'

export type IncomingRequest = Extract<WireMessage, { kind: 'request' }>
export type IncomingNotify = Extract<WireMessage, { kind: 'notify' }>

export interface EndpointHandlers {
  /**
   * Answers a request with its result body. Returning nothing sends nothing: the answer travels
   * another way (a finder's forwarded find is answered by a notify). A throw is answered with
   * the coded error.
   */
  request?(message: IncomingRequest): Promise<object | void> | object | void
  /** A throw (or rejection) here is answered with the coded error, like a request's. */
  notify?(message: IncomingNotify): Promise<void> | void
  /** a frame that did not decode, after it was answered where it could be */
  malformed?(error: WireError): void
  /**
   * A request's result is on the transport (not for a coded error): what must follow the result
   * on the wire, and not overtake it, starts here (a session admitted once its identify result
   * went out).
   */
  answered?(message: IncomingRequest): void
}

export interface EndpointOptions {
  /** which frame limits and which part of the catalogue apply */
  channel: Channel
  /** puts one frame on the transport; throws when it cannot */
  send(text: string): void
  handlers: EndpointHandlers
  /** how long a request waits for its result unless told otherwise, ms */
  timeout?: number
  /** the error a request gets when its timeout passes */
  timeoutError?: () => OpenPeerError
  /**
   * Answer malformed frames even when their id is unreadable (with id ''), so a stranger's
   * client learns what was wrong. The finder does; peers answer only what they can address.
   */
  answerWithoutId?: boolean
}

interface Pending {
  resolve(message: WireMessage): void
  reject(error: unknown): void
}

/**
 * Open Peer's request/result and notify over one ordered transport (PROTOCOL §4): the finder
 * WebSocket, a session's control datachannel, and anything else that carries frames (the relay
 * tunnel, an introducer's session). Every frame in goes through the one decoder once; results
 * find their request by id; a failed handler is answered with its coded error.
 */
export class Endpoint {
  // Made on the first request: the finder holds an Endpoint per socket and never asks, and an
  // empty Map is ~300 bytes a client (bench:finder).
  private pendingRequests: Map<string, Pending> | undefined
  private get pending(): Map<string, Pending> {
    return (this.pendingRequests ??= new Map())
  }
  private closedWith: OpenPeerError | undefined

  constructor(private readonly opts: EndpointOptions) {}

  get closed(): boolean {
    return this.closedWith !== undefined
  }

  /** Sends a request and resolves with its result body; a coded error result rejects. */
  async request<T extends RequestType>(
    type: T,
    body: RequestBody<T>,
    opts: { signal?: AbortSignal; timeout?: number } = {},
  ): Promise<ResultBody<T>> {
    if (this.closedWith) throw this.closedWith
    const id = randomId(12)
    const signal = withTimeout(opts.timeout ?? this.opts.timeout ?? 15_000, opts.signal)
    const text = encode(
      { v: 1, kind: 'request', type, id, ...body } as WireMessage,
      this.opts.channel,
    )
    const raceOpts = this.opts.timeoutError ? { onTimeout: this.opts.timeoutError } : {}
    const reply = await raceSignal<WireMessage>(
      signal,
      (resolve, reject) => {
        this.pending.set(id, { resolve, reject })
        this.opts.send(text)
        return () => this.pending.delete(id)
      },
      raceOpts,
    )
    if ('error' in reply) throw OpenPeerError.fromWire(reply.error)
    return bodyOf(reply) as ResultBody<T>
  }

  notify<T extends NotifyType>(type: T, body: NotifyBody<T>): void {
    if (this.closedWith) throw this.closedWith
    const message = { v: 1, kind: 'notify', type, id: randomId(12), ...body } as WireMessage
    this.opts.send(encode(message, this.opts.channel))
  }

  /** Handles one frame; settles once a request's answer is sent. Never rejects. */
  async receive(data: unknown): Promise<void> {
    if (this.closedWith) return
    let message: WireMessage
    try {
      message = decode(data, this.opts.channel)
    } catch (err) {
      const error = err instanceof WireError ? err : new WireError('ERR_BAD_MESSAGE', String(err))
      this.answerMalformed(error)
      this.opts.handlers.malformed?.(error)
      return
    }
    if (message.kind === 'result') {
      const pending = this.pending.get(message.id)
      this.pending.delete(message.id)
      pending?.resolve(message)
      return
    }
    const { handlers } = this.opts
    let answered = false
    try {
      if (message.kind === 'notify') {
        if (!handlers.notify)
          throw new OpenPeerError('ERR_BAD_MESSAGE', `${message.type} is not served here`)
        await handlers.notify(message)
        return
      }
      const request = message as IncomingRequest
      if (!handlers.request)
        throw new OpenPeerError('ERR_BAD_MESSAGE', `${request.type} is not served here`)
      const body = await handlers.request(request)
      if (body === undefined) return
      answered = this.answer(request, body)
    } catch (err) {
      this.trySend(errorResult(message.type, message.id, asOpenPeerError(err, 'request failed')))
    }
    // Outside the try: the request is answered, and what follows it must not answer it twice.
    if (answered) handlers.answered?.(message as IncomingRequest)
  }

  /**
   * Refuses a frame without handling it (rate limits): answers it with `error` as far as its
   * envelope can be read, and never answers a result.
   */
  /** Answers a frame refused unread (over a rate): from a glance at its head, not a decode. */
  refuseUnread(data: unknown, error: OpenPeerError): void {
    this.answerEnvelope(glance(data), error)
  }

  refuse(data: unknown, error: OpenPeerError): void {
    let envelope: Envelope
    try {
      const { kind, type, id } = decode(data, this.opts.channel)
      envelope = { kind, type, id }
    } catch (err) {
      envelope = err instanceof WireError ? err : { type: 'error' }
    }
    this.answerEnvelope(envelope, error)
  }

  /** Fails the requests in flight; the endpoint stays usable (a socket about to reconnect). */
  failPending(error: OpenPeerError): void {
    const pending = [...this.pending.values()]
    this.pending.clear()
    for (const p of pending) p.reject(error)
  }

  /** Fails the requests in flight; later requests and notifies throw `error`. Idempotent. */
  close(error: OpenPeerError): void {
    if (this.closedWith) return
    this.closedWith = error
    this.failPending(error)
  }

  /** Sends a request's result; true once it is on the transport. */
  private answer(request: IncomingRequest, body: object): boolean {
    const result = { v: 1, kind: 'result', type: request.type, id: request.id, ...body }
    let text: string
    try {
      text = encode(result as WireMessage, this.opts.channel)
    } catch (err) {
      this.trySend(errorResult(request.type, request.id, asOpenPeerError(err, 'result')))
      return false
    }
    return this.trySendText(text)
  }

  private answerMalformed(error: WireError): void {
    this.answerEnvelope(error, error)
  }

  private answerEnvelope(envelope: Envelope, error: OpenPeerError): void {
    // Never answer a result, not even a broken one: two sides doing so would loop forever.
    if (envelope.kind === 'result') return
    if (envelope.id === undefined && !this.opts.answerWithoutId) return
    this.trySend(errorResult(envelope.type, envelope.id ?? '', error))
  }

  private trySend(message: WireMessage): void {
    this.trySendText(encode(message, this.opts.channel))
  }

  private trySendText(text: string): boolean {
    if (this.closedWith) return false
    try {
      this.opts.send(text)
      return true
    } catch {
      // the transport went away under us; its owner reports the close
      return false
    }
  }
}

/** A result without its envelope: what the caller of `request` gets. */
function bodyOf(message: WireMessage): object {
  const {
    v: _v,
    kind: _k,
    type: _t,
    id: _i,
    ...body
  } = message as unknown as Record<string, unknown>
  return body
}
