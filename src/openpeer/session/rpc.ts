import { OpenPeerError, abortError } from '../errors.ts'
import { randomId } from '../identity/encoding.ts'
import { decode, encode, errorResult } from '../wire/codec.ts'
import type {
  MessageType,
  NotifyBody,
  NotifyType,
  RequestBody,
  RequestType,
  ResultBody,
  WireMessage,
} from '../wire/messages.ts'

export type IncomingRequest = Extract<WireMessage, { kind: 'request' }>
export type IncomingNotify = Extract<WireMessage, { kind: 'notify' }>

/**
 * Request/result and notify over a peer session's control channel. Every frame goes through
 * the one decoder; a request handler's OpenPeerError goes back as a coded error result.
 */
export class ControlRpc {
  private readonly pending = new Map<
    string,
    { resolve: (m: WireMessage) => void; reject: (e: unknown) => void }
  >()
  private closedWith: OpenPeerError | undefined

  constructor(
    private readonly send: (text: string) => void,
    private readonly handlers: {
      request(message: IncomingRequest): Promise<object>
      notify(message: IncomingNotify): void
      /** a frame that does not decode: the session decides whether that is fatal */
      malformed(error: OpenPeerError): void
    },
  ) {}

  async request<T extends RequestType>(
    type: T,
    body: RequestBody<T>,
    opts: { signal?: AbortSignal; timeout?: number } = {},
  ): Promise<ResultBody<T>> {
    if (this.closedWith) throw this.closedWith
    const id = randomId(12)
    const signal = AbortSignal.any(
      [AbortSignal.timeout(opts.timeout ?? 15_000), opts.signal].filter(
        (s): s is AbortSignal => !!s,
      ),
    )
    const reply = await new Promise<WireMessage>((resolve, reject) => {
      const onAbort = (): void => {
        this.pending.delete(id)
        reject(abortError(signal))
      }
      if (signal.aborted) return onAbort()
      signal.addEventListener('abort', onAbort, { once: true })
      const done = (): void => signal.removeEventListener('abort', onAbort)
      this.pending.set(id, {
        resolve: (m) => (done(), resolve(m)),
        reject: (e) => (done(), reject(e)),
      })
      try {
        this.send(
          encode({ v: 1, kind: 'request', type, id, ...body } as unknown as WireMessage, 'peer'),
        )
      } catch (err) {
        this.pending.delete(id)
        done()
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
    if (this.closedWith) throw this.closedWith
    this.send(
      encode(
        { v: 1, kind: 'notify', type, id: randomId(12), ...body } as unknown as WireMessage,
        'peer',
      ),
    )
  }

  receive(data: unknown): void {
    let message: WireMessage
    try {
      message = decode(data, 'peer')
    } catch (err) {
      const error = err as OpenPeerError & { messageId?: string }
      if (error.messageId) this.trySend(errorResult('error', error.messageId, error))
      this.handlers.malformed(error)
      return
    }
    if (message.kind === 'result') {
      const pending = this.pending.get(message.id)
      if (pending) {
        this.pending.delete(message.id)
        pending.resolve(message)
      }
      return
    }
    if (message.kind === 'notify') return this.handlers.notify(message)
    const request = message as IncomingRequest
    this.handlers.request(request).then(
      (body) =>
        this.trySend({
          v: 1,
          kind: 'result',
          type: request.type,
          id: request.id,
          ...body,
        } as unknown as WireMessage),
      (err: unknown) => {
        const error =
          err instanceof OpenPeerError
            ? err
            : new OpenPeerError('ERR_INTERNAL', 'request failed', { cause: err })
        this.trySend(errorResult(request.type as MessageType, request.id, error))
      },
    )
  }

  close(error: OpenPeerError): void {
    if (this.closedWith) return
    this.closedWith = error
    for (const p of this.pending.values()) p.reject(error)
    this.pending.clear()
  }

  private trySend(message: WireMessage): void {
    if (this.closedWith) return
    try {
      this.send(encode(message, 'peer'))
    } catch {
      // the channel went away under us; the session's close path reports that
    }
  }
}
