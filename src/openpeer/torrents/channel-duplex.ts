import { Duplex } from 'streamx'

/** Largest datachannel message we send: every browser accepts 64 KiB, and SCTP interleaves well. */
export const MAX_MESSAGE = 64 * 1024

/**
 * Send-queue marks, in bytes of `bufferedAmount`. Chromium fails a datachannel whose send queue
 * passes 16 MiB, so the high mark stays well under it; between the marks the native stack always
 * has data to send while JS refills it. Values measured in bench/transfer.ts (docs/torrents.md).
 */
export const SEND_QUEUE = { high: 2 * 1024 * 1024, low: 512 * 1024 }

export interface ChannelDuplexOptions {
  /** unique per duplex: WebTorrent keys manual peers by `id` and drops a second one with the same id */
  id: string
  /**
   * When to emit `connect` (WebTorrent then sends its handshake). A negotiated channel closes
   * if data arrives before the other side created its end, so: 'open' for the side that asked
   * for the wire (it opens its end once the other confirmed), 'first-message' for the side
   * that confirmed (it opened first and speaks only once spoken to).
   */
  connect: 'open' | 'first-message'
  sendQueue?: { high: number; low: number }
  /** ms to wait for `connect` before giving up (default 10 s) */
  connectTimeout?: number
}

/**
 * An RTCDataChannel as the simple-peer-like duplex that WebTorrent's `torrent.addPeer(conn)`
 * takes: a streamx Duplex with `id`, `connected` and a `connect` event. Writes are coalesced
 * into ≤ 64 KiB messages (BitTorrent writes a 13-byte header and a 16 KiB block separately)
 * and held back while the channel's send queue is over the high mark.
 */
export class ChannelDuplex extends Duplex {
  readonly id: string
  connected = false
  // WebTorrent reads these for its blocklist and wire labels; a datachannel has no address.
  readonly remoteAddress: string | undefined = undefined
  readonly remotePort: number | undefined = undefined
  /** payload bytes in and out, for per-wire statistics */
  bytesIn = 0
  bytesOut = 0
  private readonly marks: { high: number; low: number }
  private waiting: ((err?: Error | null) => void) | undefined
  private readonly connectOn: 'open' | 'first-message'
  private readonly connectTimer: ReturnType<typeof setTimeout>

  constructor(
    readonly channel: RTCDataChannel,
    opts: ChannelDuplexOptions,
  ) {
    // Readable side: what arrived but WebTorrent has not parsed yet. Writable side: what the
    // wire produced but we have not handed to the channel; small, the channel queue is the buffer.
    super({ highWaterMark: 256 * 1024 })
    this.id = opts.id
    this.marks = opts.sendQueue ?? SEND_QUEUE
    this.connectOn = opts.connect
    channel.binaryType = 'arraybuffer'
    channel.bufferedAmountLowThreshold = this.marks.low
    channel.addEventListener('message', this.onMessage)
    channel.addEventListener('bufferedamountlow', this.onLow)
    channel.addEventListener('open', this.onOpen)
    channel.addEventListener('close', this.onClose)
    channel.addEventListener('error', this.onError)
    if (channel.readyState === 'open') queueMicrotask(this.onOpen)
    // An asker that never opens its end (it failed, or left) must not hold this wire's place.
    this.connectTimer = setTimeout(() => {
      if (!this.connected) this.destroy(new Error('the other side never spoke on this wire'))
    }, opts.connectTimeout ?? 10_000)
    ;(this.connectTimer as { unref?: () => void }).unref?.()
  }

  override _writev(batch: Uint8Array[], cb: (err?: Error | null) => void): void {
    if (this.channel.readyState !== 'open') return cb(new Error('datachannel is not open'))
    try {
      for (const message of coalesce(batch, MAX_MESSAGE)) {
        this.channel.send(message as Uint8Array<ArrayBuffer>)
        this.bytesOut += message.byteLength
      }
    } catch (err) {
      return cb(err as Error)
    }
    if (this.channel.bufferedAmount > this.marks.high) this.waiting = cb
    else cb(null)
  }

  override _predestroy(): void {
    // A write held for 'bufferedamountlow' would keep streamx from ever finishing the destroy.
    this.release()
  }

  override _destroy(cb: (err?: Error | null) => void): void {
    const { channel } = this
    channel.removeEventListener('message', this.onMessage)
    channel.removeEventListener('bufferedamountlow', this.onLow)
    channel.removeEventListener('open', this.onOpen)
    channel.removeEventListener('close', this.onClose)
    channel.removeEventListener('error', this.onError)
    if (channel.readyState === 'open' || channel.readyState === 'connecting') channel.close()
    clearTimeout(this.connectTimer)
    this.connected = false
    cb(null)
  }

  private release(): void {
    const cb = this.waiting
    this.waiting = undefined
    cb?.(null)
  }

  private readonly onOpen = (): void => {
    if (this.connectOn === 'open') this.markConnected()
  }

  private markConnected(): void {
    if (this.connected || this.destroying || this.channel.readyState !== 'open') return
    this.connected = true
    clearTimeout(this.connectTimer)
    this.emit('connect')
  }

  private readonly onMessage = (event: MessageEvent): void => {
    const data = event.data as ArrayBuffer | string
    if (typeof data === 'string') return this.destroy(new Error('text frame on a torrent wire'))
    this.bytesIn += data.byteLength
    // There is no way to pause a datachannel's sender, so everything that arrives is queued
    // (before 'connect' too: WebTorrent reads it once it has piped the duplex).
    this.push(new Uint8Array(data))
    if (this.connectOn === 'first-message') this.markConnected()
  }

  private readonly onLow = (): void => this.release()

  private readonly onClose = (): void => {
    this.release()
    this.destroy()
  }

  private readonly onError = (event: Event): void => {
    const error = (event as Event & { error?: Error }).error
    this.destroy(new Error(`datachannel failed: ${error?.message ?? 'unknown error'}`))
  }
}

/** Writes up to this size are message headers: kept in the same message as what follows. */
const HEADER_MAX = 32

/**
 * Packs writes into messages of at most `max` bytes without splitting a write that fits, and
 * keeps a small write (a BitTorrent message header) with the write after it. The receiver's
 * parser then mostly gets whole BitTorrent messages and need not copy leftovers into the next
 * chunk. Writes over `max` are split.
 */
export function coalesce(batch: Uint8Array[], max: number): Uint8Array[] {
  const out: Uint8Array[] = []
  let parts: Uint8Array[] = []
  let size = 0
  const flush = (): void => {
    if (!parts.length) return
    if (parts.length === 1) out.push(parts[0] as Uint8Array)
    else {
      const joined = new Uint8Array(size)
      let at = 0
      for (const p of parts) {
        joined.set(p, at)
        at += p.byteLength
      }
      out.push(joined)
    }
    parts = []
    size = 0
  }
  for (const chunk of batch) {
    if (chunk.byteLength <= max && size + chunk.byteLength > max && size > 0) {
      // Carry a trailing header over to the message its payload starts.
      const last = parts[parts.length - 1] as Uint8Array
      const carry = parts.length > 1 && last.byteLength <= HEADER_MAX ? parts.pop() : undefined
      if (carry) size -= carry.byteLength
      flush()
      if (carry) {
        parts.push(carry)
        size = carry.byteLength
      }
    }
    for (let at = 0; at < chunk.byteLength;) {
      const take = Math.min(chunk.byteLength - at, max - size)
      parts.push(take === chunk.byteLength && at === 0 ? chunk : chunk.subarray(at, at + take))
      size += take
      at += take
      if (size === max) flush()
    }
  }
  flush()
  return out
}
