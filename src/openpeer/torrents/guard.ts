/**
 * Finds the peer that sent corrupt data. WebTorrent drops a piece that fails its SHA-1 and
 * fetches it again, but never says from whom it came, so a lying peer would be asked forever.
 * A piece from one wire convicts that wire at once. A piece assembled from several wires is
 * remembered as block digests; when it later verifies, the wire whose block differed from the
 * good copy is the liar (libtorrent's "smart ban"). Honest co-senders are never dropped.
 */
export class PieceGuard<Conn> {
  /** blocks of pieces in flight: piece → offset → who sent it (and the block, until verified) */
  private readonly inFlight = new Map<number, Map<number, { conn: Conn; block: Uint8Array }>>()
  /** digests of the blocks of a piece that failed, from several senders */
  private readonly failed = new Map<number, Map<number, { conn: Conn; digest: number }>>()

  constructor(
    private readonly ban: (conn: Conn, reason: string) => void,
    private readonly have: (index: number) => boolean,
  ) {}

  onBlock(conn: Conn, index: number, offset: number, block: Uint8Array): void {
    // A late duplicate of a piece we already have is ignored by WebTorrent, so by us too.
    if (this.have(index)) return
    let blocks = this.inFlight.get(index)
    if (!blocks) this.inFlight.set(index, (blocks = new Map()))
    if (!blocks.has(offset)) blocks.set(offset, { conn, block })
  }

  onFailed(index: number): void {
    const blocks = this.inFlight.get(index)
    this.inFlight.delete(index)
    if (!blocks) return
    const senders = new Set([...blocks.values()].map((b) => b.conn))
    if (senders.size === 1) {
      return this.ban([...senders][0] as Conn, `piece ${index} failed its hash check`)
    }
    const digests = new Map<number, { conn: Conn; digest: number }>()
    for (const [offset, { conn, block }] of blocks)
      digests.set(offset, { conn, digest: fnv(block) })
    this.failed.set(index, digests)
  }

  onVerified(index: number): void {
    const blocks = this.inFlight.get(index)
    this.inFlight.delete(index)
    const bad = this.failed.get(index)
    this.failed.delete(index)
    if (!bad || !blocks) return
    for (const [offset, { conn, digest }] of bad) {
      const good = blocks.get(offset)
      if (good && fnv(good.block) !== digest) {
        this.ban(conn, `block ${offset} of piece ${index} differed from the verified copy`)
      }
    }
  }
}

/** FNV-1a, 32 bits: enough to tell two versions of one 16 KiB block apart, and cheap. */
export function fnv(bytes: Uint8Array): number {
  let h = 0x811c9dc5
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ (bytes[i] as number), 0x01000193)
  return h >>> 0
}
