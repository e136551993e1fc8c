/**
 * What every datachannel the library makes itself shares (the relay tunnel's, the in-memory
 * network's): the negotiated-channel surface the session's bulk channels and torrent wires use
 * on WebRTC — an EventTarget with a label, an id, a ready state that opens once, and `send`
 * that refuses a channel that is not open and copies what it is given (the caller may reuse
 * its buffer, as with a real channel).
 */
export abstract class ChannelBase extends EventTarget {
  readyState: RTCDataChannelState = 'connecting'
  binaryType: BinaryType = 'arraybuffer'
  bufferedAmountLowThreshold = 0

  constructor(
    readonly label: string,
    readonly id: number,
  ) {
    super()
  }

  abstract readonly bufferedAmount: number

  open(): void {
    if (this.readyState !== 'connecting') return
    this.readyState = 'open'
    this.dispatchEvent(new Event('open'))
  }

  send(data: string | ArrayBuffer | ArrayBufferView): void {
    if (this.readyState !== 'open')
      throw new DOMException('channel is not open', 'InvalidStateError')
    this.transmit(
      typeof data === 'string'
        ? data
        : ArrayBuffer.isView(data)
          ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice()
          : new Uint8Array(data.slice(0)),
    )
  }

  /** Carries one message, already copied, to the other end. */
  protected abstract transmit(data: string | Uint8Array<ArrayBuffer>): void
}
