/**
 * A session whose path dies while it is being closed (found in the NAT lab, test/nat/reconnect:
 * a Node client's process exited when a 10 s outage ended its SCTP association).
 */
import { EventEmitter } from 'node:events'
import { describe, expect, it } from 'vitest'
import type { PeerLike, PeerOptions } from '../../src/openpeer/ports.ts'
import { PathSwitch } from '../../src/openpeer/tunnel/path-switch.ts'

/**
 * simple-peer's behaviour that matters here: a failure (its datachannel erroring) starts a
 * destroy whose 'error' is emitted a tick later, on a Node EventEmitter, which throws an
 * 'error' nobody listens to.
 */
class FailingPeer extends EventEmitter {
  connected = true
  destroyed = false
  offerOptions = {}
  readonly thrown: unknown[] = []
  private failing: Error | undefined
  constructor(readonly initiator: boolean) {
    super()
  }
  get connection(): never {
    throw new Error('not used')
  }
  /** the datachannel errored: the peer destroys itself and reports it a tick later */
  fail(error: Error): void {
    this.failing = error
    setTimeout(() => {
      this.destroyed = true
      try {
        this.emit('error', error)
      } catch (e) {
        this.thrown.push(e)
      }
    }, 0)
  }
  destroy(): void {
    // already on its way down: the pending 'error' still comes
    if (this.failing) return
    this.destroyed = true
  }
  signal(): void {}
  send(): void {}
  negotiate(): void {}
}

describe('a path that fails while its session closes', () => {
  it("does not leave simple-peer's late 'error' without a listener (a Node host would exit)", async () => {
    let peer: FailingPeer | undefined
    const options: PeerOptions = { initiator: true, trickle: true, config: { iceServers: [] } }
    const path = new PathSwitch({
      peer: options,
      createPeer: (opts) => (peer = new FailingPeer(opts.initiator)) as unknown as PeerLike,
      createSocket: () => {
        throw new Error('no relay here')
      },
      context: 'test',
      role: 'initiator',
      iceTimeout: 60_000,
      upgradeEvery: 60_000,
    })
    const closed = new Promise<void>((resolve) => path.on('close', () => resolve()))
    // The SCTP association aborts, and in the same tick the session closes for its own reason.
    peer!.fail(new Error('User-Initiated Abort, reason=Close called'))
    path.destroy()
    await closed
    await new Promise((r) => setTimeout(r, 10))
    expect(peer!.thrown).toEqual([])
  })
})
