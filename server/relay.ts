import WebSocket from 'ws'
import { OpenPeerError } from '../src/openpeer/errors.ts'
import { randomId } from '../src/openpeer/identity/index.ts'
import type { RequestOf, ResultBody } from '../src/openpeer/wire/index.ts'

export { RELAY_PATH } from '../src/openpeer/wire/index.ts'
import type { Connection, FinderContext } from './context.ts'
import { registered } from './find.ts'
import { TokenBucket } from './limits.ts'

/*
 * The relay tunnel's server half (PROTOCOL §5.7): when no ICE path exists, two locations of one
 * find exchange each present a single-use token on a WebSocket to /relay, and the relay pairs the
 * two sockets and forwards their binary frames, nothing else. The frames are sealed end to end
 * (src/openpeer/tunnel/crypto.ts): the relay sees ciphertext, sizes and timing.
 */

export interface RelayLimits {
  /** how long an issued token waits to be used, ms */
  relayTokenTtl: number
  /** how long a relay socket may take to present its token, ms */
  relayHelloTimeout: number
  /** bytes one relay forwards in all before it is closed (ERR_TOO_LARGE) */
  relayBytes: number
  /** sustained bytes per second one relay forwards; faster senders are paused, not cut */
  relayRate: number
  /** relays one finder socket may have open (issued or paired) at once */
  relaysPerSocket: number
}

interface Side {
  token: string
  used: boolean
  socket?: WebSocket
}

interface Relay {
  owner: string
  sides: [Side, Side]
  expires: number
  forwarded: number
  bucket: TokenBucket
  timer: ReturnType<typeof setTimeout>
  closed: boolean
}

/** Bytes queued to a slow receiver before its sender is paused. */
const RECEIVER_HIGH = 4 * 1024 * 1024

/** What a relay socket is told before it closes: the same coded error shape as every result. */
function errorText(error: OpenPeerError): string {
  return JSON.stringify({ error: error.toWire() })
}

/**
 * relay-open: a relay for the find exchange `context`, for one of its two parties only (the
 * location that sent the find, or a location of the contact it rang).
 */
export async function relayOpen(
  ctx: FinderContext,
  conn: Connection,
  msg: RequestOf<'relay-open'>,
): Promise<ResultBody<'relay-open'>> {
  const me = await registered(ctx, conn)
  const route = await ctx.registry.route(msg.context)
  if (!route) throw new OpenPeerError('ERR_NOT_FOUND', 'no find is open for this context')
  if (route.initiatorSession !== conn.session && route.targetContactId !== me.contactId) {
    throw new OpenPeerError('ERR_FORBIDDEN', 'only the two sides of a find may open its relay')
  }
  return ctx.relays.open(conn.session)
}

export class RelayHub {
  private readonly byToken = new Map<string, { relay: Relay; side: Side }>()
  private readonly byOwner = new Map<string, Set<Relay>>()
  /** every relay socket, paired or not, so a shutdown leaves none behind */
  private readonly sockets = new Set<WebSocket>()

  constructor(
    private readonly limits: RelayLimits,
    private readonly now: () => number = Date.now,
  ) {}

  /** Issues a relay's two tokens to the finder socket `owner` (one is for the other side). */
  open(owner: string): { token: string; peerToken: string; expires: number } {
    const mine = this.byOwner.get(owner) ?? new Set<Relay>()
    if (mine.size >= this.limits.relaysPerSocket) {
      throw new OpenPeerError('ERR_RATE_LIMITED', 'too many relays open for this location')
    }
    const expires = this.now() + this.limits.relayTokenTtl
    const relay: Relay = {
      owner,
      sides: [
        { token: randomId(16), used: false },
        { token: randomId(16), used: false },
      ],
      expires,
      forwarded: 0,
      // A burst of one second's worth: a tunnel starts at full speed, then holds the rate.
      bucket: new TokenBucket(this.limits.relayRate, this.limits.relayRate, this.now),
      // Unpaired past its expiry: both tokens die with it.
      timer: setTimeout(() => this.unpairedExpiry(relay), this.limits.relayTokenTtl),
      closed: false,
    }
    for (const side of relay.sides) this.byToken.set(side.token, { relay, side })
    mine.add(relay)
    this.byOwner.set(owner, mine)
    return { token: relay.sides[0].token, peerToken: relay.sides[1].token, expires }
  }

  /** A socket upgraded on /relay: it must present a live, unused token first. */
  accept(ws: WebSocket): void {
    ws.binaryType = 'nodebuffer'
    ws.on('error', () => {})
    this.sockets.add(ws)
    ws.once('close', () => this.sockets.delete(ws))
    const hello = setTimeout(
      () => this.refuse(ws, new OpenPeerError('ERR_TIMEOUT', 'no relay token in time')),
      this.limits.relayHelloTimeout,
    )
    ws.once('message', (data, isBinary) => {
      clearTimeout(hello)
      let token: unknown
      try {
        token = isBinary ? undefined : (JSON.parse(String(data)) as { token?: unknown }).token
      } catch {
        token = undefined
      }
      const found = typeof token === 'string' ? this.byToken.get(token) : undefined
      if (!found) return this.refuse(ws, new OpenPeerError('ERR_TOKEN', 'unknown relay token'))
      const { relay, side } = found
      if (side.used)
        return this.refuse(ws, new OpenPeerError('ERR_TOKEN', 'relay token already used'))
      if (relay.closed || relay.expires < this.now()) {
        return this.refuse(ws, new OpenPeerError('ERR_TOKEN', 'relay token expired'))
      }
      side.used = true
      side.socket = ws
      ws.once('close', () => this.end(relay))
      const [a, b] = relay.sides
      if (a.socket && b.socket) this.pair(relay, a.socket, b.socket)
    })
  }

  /** Every relay of a finder socket that went away ends with it. */
  dropOwner(owner: string): void {
    for (const relay of this.byOwner.get(owner) ?? []) {
      if (!relay.sides.some((s) => s.socket)) this.end(relay)
    }
  }

  closeAll(): void {
    for (const set of [...this.byOwner.values()]) for (const relay of [...set]) this.end(relay)
    for (const ws of this.sockets) ws.terminate()
  }

  private pair(relay: Relay, a: WebSocket, b: WebSocket): void {
    clearTimeout(relay.timer)
    const paired = JSON.stringify({ paired: true })
    a.send(paired)
    b.send(paired)
    this.forward(relay, a, b)
    this.forward(relay, b, a)
  }

  private forward(relay: Relay, from: WebSocket, to: WebSocket): void {
    from.on('message', (data, isBinary) => {
      if (relay.closed) return
      if (!isBinary) {
        return this.fail(
          relay,
          new OpenPeerError('ERR_BAD_MESSAGE', 'a paired relay carries binary frames only'),
        )
      }
      const bytes = data as Buffer
      relay.forwarded += bytes.length
      if (relay.forwarded > this.limits.relayBytes) {
        return this.fail(
          relay,
          new OpenPeerError('ERR_TOO_LARGE', 'this relay has carried all it may'),
        )
      }
      to.send(bytes, { binary: true })
      this.shape(relay, from, to, bytes.length)
    })
  }

  /**
   * Over the rate, or a receiver that reads slower than its sender writes: stop reading the
   * sender for a while (TCP then pushes back on it) instead of buffering here or cutting it.
   */
  private shape(relay: Relay, from: WebSocket, to: WebSocket, bytes: number): void {
    // The bucket goes into debt; the sender waits until it is paid back.
    const debt = relay.bucket.spend(bytes)
    const wait = Math.max(
      (debt / this.limits.relayRate) * 1000,
      to.bufferedAmount > RECEIVER_HIGH ? 20 : 0,
    )
    if (wait <= 0 || relay.closed) return
    from.pause()
    setTimeout(() => {
      if (relay.closed) return
      if (to.bufferedAmount > RECEIVER_HIGH) return this.shape(relay, from, to, 0)
      from.resume()
    }, wait)
  }

  private refuse(ws: WebSocket, error: OpenPeerError): void {
    if (ws.readyState === WebSocket.OPEN) ws.send(errorText(error))
    ws.close(4000 + error.status, error.code)
  }

  private fail(relay: Relay, error: OpenPeerError): void {
    for (const side of relay.sides) if (side.socket) this.refuse(side.socket, error)
    this.end(relay)
  }

  private unpairedExpiry(relay: Relay): void {
    if (relay.sides.every((s) => s.socket)) return
    this.fail(relay, new OpenPeerError('ERR_TOKEN', 'the other side never came'))
  }

  private end(relay: Relay): void {
    if (relay.closed) return
    relay.closed = true
    clearTimeout(relay.timer)
    for (const side of relay.sides) side.socket?.close(1000, 'relay closed')
    // The tokens stay known a while longer, so a late one is told "already used" or "expired"
    // rather than "unknown"; then they are forgotten and memory stays bounded.
    const forget = setTimeout(
      () => {
        for (const side of relay.sides) this.byToken.delete(side.token)
      },
      Math.max(0, relay.expires - this.now()) + this.limits.relayTokenTtl,
    )
    forget.unref?.()
    const mine = this.byOwner.get(relay.owner)
    mine?.delete(relay)
    if (mine?.size === 0) this.byOwner.delete(relay.owner)
  }
}
