import { describe, expect, it } from 'vitest'
import { newTunnelKey, tunnelCipher, tunnelFingerprint } from './crypto.ts'
import { FrameKind, decodeFrame, encodeFrame, frameText } from './frames.ts'

async function pair(context = 'ctx-1') {
  const [a, b] = await Promise.all([newTunnelKey(), newTunnelKey()])
  const initiator = await tunnelCipher(a, b.publicKey, context, 'initiator')
  const target = await tunnelCipher(b, a.publicKey, context, 'target')
  return { a, b, initiator, target }
}

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s)
const text = (b: Uint8Array): string => new TextDecoder().decode(b)

describe('tunnel cipher', () => {
  it('opens what the other side sealed, both ways, and hides the plaintext', async () => {
    const { initiator, target } = await pair()
    const sealed = await initiator.seal(bytes('hello through the relay'))
    expect(text(sealed)).not.toContain('hello')
    expect(text(await target.open(sealed))).toBe('hello through the relay')
    expect(text(await initiator.open(await target.seal(bytes('and back'))))).toBe('and back')
  })

  it('refuses a replayed, a reordered and a tampered frame', async () => {
    const replay = await pair()
    const first = await replay.initiator.seal(bytes('one'))
    await replay.target.open(first)
    await expect(replay.target.open(first)).rejects.toMatchObject({ code: 'ERR_SEAL' })

    const reorder = await pair()
    const one = await reorder.initiator.seal(bytes('one'))
    const two = await reorder.initiator.seal(bytes('two'))
    await expect(reorder.target.open(two)).rejects.toMatchObject({ code: 'ERR_SEAL' })
    void one

    const tamper = await pair()
    const frame = await tamper.initiator.seal(bytes('pay Bob 10'))
    frame[0] = (frame[0] ?? 0) ^ 1
    await expect(tamper.target.open(frame)).rejects.toMatchObject({ code: 'ERR_SEAL' })
  })

  it('does not open a frame sealed for another find context or by a third key', async () => {
    const { a, b, initiator } = await pair('ctx-1')
    const otherContext = await tunnelCipher(b, a.publicKey, 'ctx-2', 'target')
    await expect(otherContext.open(await initiator.seal(bytes('x')))).rejects.toMatchObject({
      code: 'ERR_SEAL',
    })
    const relay = await newTunnelKey()
    const inTheMiddle = await tunnelCipher(relay, a.publicKey, 'ctx-1', 'target')
    const fresh = await pair('ctx-1')
    await expect(inTheMiddle.open(await fresh.initiator.seal(bytes('x')))).rejects.toMatchObject({
      code: 'ERR_SEAL',
    })
  })

  it('opens frames handed over concurrently in arrival order', async () => {
    const { initiator, target } = await pair()
    const sealed = await Promise.all(['a', 'b', 'c'].map((s) => initiator.seal(bytes(s))))
    const opened = await Promise.all(sealed.map((f) => target.open(f)))
    expect(opened.map(text)).toEqual(['a', 'b', 'c'])
  })

  it('makes a fingerprint in the form peer-identify signs, one per key', async () => {
    const [a, b] = await Promise.all([newTunnelKey(), newTunnelKey()])
    const fa = await tunnelFingerprint(a.publicKey)
    expect(fa).toMatch(/^sha-256 [0-9A-F]{2}(:[0-9A-F]{2}){31}$/)
    expect(await tunnelFingerprint(a.publicKey)).toBe(fa)
    expect(await tunnelFingerprint(b.publicKey)).not.toBe(fa)
  })
})

describe('tunnel frames', () => {
  it('carry kind, stream and payload', () => {
    const f = decodeFrame(encodeFrame(FrameKind.text, 513, 'héllo'))
    expect(f.kind).toBe(FrameKind.text)
    expect(f.stream).toBe(513)
    expect(frameText(f)).toBe('héllo')
    const c = decodeFrame(encodeFrame(FrameKind.close, 7))
    expect(c).toMatchObject({ kind: FrameKind.close, stream: 7 })
    expect(c.payload.byteLength).toBe(0)
  })

  it('refuse short frames, unknown kinds and text that is not UTF-8', () => {
    expect(() => decodeFrame(new Uint8Array([0, 0]))).toThrow(
      expect.objectContaining({ code: 'ERR_BAD_MESSAGE' }),
    )
    expect(() => decodeFrame(new Uint8Array([9, 0, 0]))).toThrow(
      expect.objectContaining({ code: 'ERR_BAD_MESSAGE' }),
    )
    expect(() => frameText(decodeFrame(new Uint8Array([0, 0, 1, 0xff])))).toThrow(
      expect.objectContaining({ code: 'ERR_BAD_MESSAGE' }),
    )
  })
})
