import { ChannelBase } from '../session/channel-base.ts'

/**
 * A negotiated datachannel carried by the tunnel: the same surface the session's bulk channels
 * use on WebRTC (an EventTarget with send, bufferedAmount and the bufferedamountlow event), so
 * torrent wires run on it unchanged. Messages that arrive before this side opened its end are
 * kept for it, as both sides open their ends at their own pace.
 */
export class TunnelChannel extends ChannelBase {
  private lowTimer: ReturnType<typeof setInterval> | undefined

  constructor(
    label: string,
    id: number,
    private readonly out: {
      send(stream: number, data: string | Uint8Array): void
      close(stream: number): void
      /** bytes queued for the relay socket and not yet written */
      buffered(): number
    },
  ) {
    super(label, id)
  }

  get bufferedAmount(): number {
    return this.out.buffered()
  }

  protected transmit(data: string | Uint8Array<ArrayBuffer>): void {
    this.out.send(this.id, data)
    this.watchLow()
  }

  /** A message of this stream arrived. */
  receive(data: string | Uint8Array): void {
    if (this.readyState === 'closed') return
    const payload = typeof data === 'string' ? data : data.slice().buffer
    this.dispatchEvent(new MessageEvent('message', { data: payload }))
  }

  close(): void {
    this.closed(true)
  }

  /** The stream ended; `tellRemote` when the close started on this side. */
  closed(tellRemote = false): void {
    if (this.readyState === 'closed') return
    this.readyState = 'closed'
    clearInterval(this.lowTimer)
    if (tellRemote) this.out.close(this.id)
    setTimeout(() => this.dispatchEvent(new Event('close')), 0)
  }

  // A WebSocket has no "buffer drained" event: while over the threshold, look now and then.
  private watchLow(): void {
    if (this.lowTimer || this.bufferedAmount <= this.bufferedAmountLowThreshold) return
    this.lowTimer = setInterval(() => {
      if (this.bufferedAmount > this.bufferedAmountLowThreshold) return
      clearInterval(this.lowTimer)
      this.lowTimer = undefined
      this.dispatchEvent(new Event('bufferedamountlow'))
    }, 20)
  }
}
