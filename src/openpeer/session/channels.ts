import { OpenPeerError } from '../errors.ts'
import type { PeerConnectionLike } from '../ports.ts'

/**
 * The bulk datachannels of one session (torrent wires, …), beside simple-peer's control channel.
 * They are negotiated: both sides call `open` with the same id, agreed over the control channel,
 * so there is no SDP renegotiation and no `ondatachannel`, which simple-peer owns. Bulk data
 * thus never queues behind control frames.
 */
export class BulkChannels {
  private readonly ids = new Set<number>()
  private readonly channels = new Set<RTCDataChannel>()

  constructor(
    private readonly pc: () => PeerConnectionLike,
    private readonly role: 'initiator' | 'target',
  ) {}

  /**
   * The initiator takes even ids, the target odd ones, so both sides can open channels at once
   * without colliding; ids start above what simple-peer's control channel can take and stay
   * under Chromium's 1024 SCTP streams.
   */
  allocate(): number {
    for (let id = this.role === 'initiator' ? 64 : 65; id < 1024; id += 2) {
      if (!this.ids.has(id)) {
        this.ids.add(id)
        return id
      }
    }
    throw new OpenPeerError('ERR_CONFLICT', 'no free datachannel ids on this session')
  }

  open(id: number, label: string): RTCDataChannel {
    this.ids.add(id)
    // 'very-low' (WebRTC priority API): Chromium's SCTP scheduler then sends the control
    // channel's chat and signalling ahead of bulk bytes. Implementations without it ignore it.
    const init = { negotiated: true, id, ordered: true, priority: 'very-low' }
    const channel = this.pc().createDataChannel(label, init as RTCDataChannelInit)
    channel.binaryType = 'arraybuffer'
    this.channels.add(channel)
    channel.addEventListener('close', () => {
      this.ids.delete(id)
      this.channels.delete(channel)
    })
    return channel
  }

  closeAll(): void {
    for (const channel of this.channels) channel.close()
    this.channels.clear()
    this.ids.clear()
  }
}
