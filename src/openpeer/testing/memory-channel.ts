import { ChannelBase } from '../session/channel-base.ts'

/**
 * A negotiated RTCDataChannel between two memory peers: both sides create it with the same id
 * and bytes flow once both have. Messages keep their order and arrive asynchronously; nothing
 * is ever buffered on the sending side, so `bufferedAmount` stays 0.
 */
export class MemoryChannel extends ChannelBase {
  readonly bufferedAmount = 0
  /** messages sent before the other side created its end */
  private early: (string | ArrayBuffer)[] = []

  constructor(
    label: string,
    id: number,
    private readonly remote: () => MemoryChannel | undefined,
  ) {
    super(label, id)
  }

  protected transmit(data: string | Uint8Array<ArrayBuffer>): void {
    const copy = typeof data === 'string' ? data : data.buffer
    const remote = this.remote()
    if (!remote) {
      this.early.push(copy)
      return
    }
    for (const m of this.early.splice(0)) remote.deliver(m)
    remote.deliver(copy)
  }

  /** The other side just created its end: what waited for it goes now. */
  flush(): void {
    const remote = this.remote()
    if (remote) for (const m of this.early.splice(0)) remote.deliver(m)
  }

  close(): void {
    if (this.readyState === 'closed') return
    this.readyState = 'closed'
    setTimeout(() => this.dispatchEvent(new Event('close')), 0)
    const remote = this.remote()
    if (remote && remote.readyState !== 'closed') setTimeout(() => remote.close(), 0)
  }

  private deliver(data: string | ArrayBuffer): void {
    setTimeout(() => {
      if (this.readyState !== 'open') return
      this.dispatchEvent(new MessageEvent('message', { data }))
    }, 0)
  }
}
