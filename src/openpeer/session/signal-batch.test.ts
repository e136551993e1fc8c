import { describe, expect, it } from 'vitest'
import { BATCH_BYTES, BATCH_MAX, SignalBatch } from './signal-batch.ts'

/** A batcher whose sends wait until the test lets them go, recording each batch. */
function rig(opts: { open?: () => boolean; failWith?: Error; linger?: number } = {}) {
  const sent: unknown[][] = []
  const releases: (() => void)[] = []
  const failures: unknown[] = []
  const batch = new SignalBatch({
    send: (signals) => {
      sent.push(signals)
      if (opts.failWith) return Promise.reject(opts.failWith)
      return new Promise<void>((resolve) => releases.push(resolve))
    },
    open: opts.open ?? (() => true),
    fail: (err) => failures.push(err),
    linger: opts.linger,
  })
  /** lets the oldest send finish and the next batch go */
  const release = async (): Promise<void> => {
    releases.shift()?.()
    await new Promise((r) => setTimeout(r, 0))
  }
  return { batch, sent, release, failures }
}

const candidate = (i: number) => ({ type: 'candidate', candidate: { candidate: `c${i}` } })

describe('SignalBatch: signals through the finder, in order and batched', () => {
  it('sends the first signal at once and what came meanwhile as the next batch, in order', async () => {
    const { batch, sent, release } = rig()
    batch.push({ type: 'offer', sdp: 'v=0' })
    batch.push(candidate(1))
    batch.push(candidate(2))
    expect(sent).toEqual([[{ type: 'offer', sdp: 'v=0' }]])
    await release()
    expect(sent).toEqual([[{ type: 'offer', sdp: 'v=0' }], [candidate(1), candidate(2)]])
    await release()
    batch.push(candidate(3))
    expect(sent.at(-1)).toEqual([candidate(3)])
  })

  it(`puts at most ${BATCH_MAX} signals in a message`, async () => {
    const { batch, sent, release } = rig()
    batch.push(candidate(0))
    for (let i = 1; i <= 40; i++) batch.push(candidate(i))
    for (let i = 0; i < 4; i++) await release()
    expect(sent.map((b) => b.length)).toEqual([1, BATCH_MAX, BATCH_MAX, 40 - 2 * BATCH_MAX])
    expect(sent.flat()).toEqual(Array.from({ length: 41 }, (_, i) => candidate(i)))
  })

  it(`keeps a message's signals to about ${BATCH_BYTES} bytes, but always sends one`, async () => {
    const { batch, sent, release } = rig()
    const big = (i: number) => ({ type: 'candidate', pad: 'x'.repeat(BATCH_BYTES / 2), i })
    const huge = { type: 'offer', sdp: 'y'.repeat(BATCH_BYTES * 2) }
    batch.push(candidate(0))
    for (const s of [big(1), big(2), big(3), huge, candidate(4)]) batch.push(s)
    for (let i = 0; i < 6; i++) await release()
    // Two of half the budget already pass it; one over the whole budget still goes, alone.
    expect(sent).toEqual([[candidate(0)], [big(1)], [big(2)], [big(3)], [huge], [candidate(4)]])
  })

  it('drops what is pending once the session closed', async () => {
    let open = true
    const { batch, sent, release } = rig({ open: () => open })
    batch.push(candidate(1))
    batch.push(candidate(2))
    open = false
    await release()
    expect(sent).toEqual([[candidate(1)]])
  })

  it('reports a send that fails, once', async () => {
    const error = new Error('finder gone')
    const { batch, failures } = rig({ failWith: error })
    batch.push(candidate(1))
    batch.push(candidate(2))
    await new Promise((r) => setTimeout(r, 0))
    expect(failures).toEqual([error])
  })

  it('holds a candidate for the rest of its burst when nothing is on its way: one message', async () => {
    const { batch, sent } = rig({ linger: 20 })
    batch.push(candidate(1))
    batch.push(candidate(2))
    batch.push(candidate(3))
    expect(sent).toEqual([])
    await new Promise((r) => setTimeout(r, 40))
    expect(sent).toEqual([[candidate(1), candidate(2), candidate(3)]])
  })

  it('never holds an offer or answer: it goes at once, after what waited before it', async () => {
    const { batch, sent, release } = rig({ linger: 10_000 })
    const answer = { type: 'answer', sdp: 'v=0' }
    batch.push(answer)
    expect(sent).toEqual([[answer]])
    // Candidates that come while the answer travels go as soon as it is sent, without waiting.
    batch.push(candidate(1))
    batch.push(candidate(2))
    await release()
    expect(sent).toEqual([[answer], [candidate(1), candidate(2)]])
    await release()
    // A held candidate goes along with an SDP pushed behind it (an ICE restart's new offer).
    const offer = { type: 'offer', sdp: 'v=0 restart' }
    batch.push(candidate(3))
    batch.push(offer)
    expect(sent.at(-1)).toEqual([candidate(3), offer])
  })
})
