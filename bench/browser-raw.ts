/**
 * The raw baseline of bench:transfer:browser: a plain RTCPeerConnection datachannel between two
 * pages, signalled by hand. In-page code goes as strings: tsx's keepNames helpers (`__name`) do
 * not exist in the page.
 */
import type { Page } from 'playwright-core'
import { MiB, sleep } from './units.ts'

const RAW_SETUP = `(() => {
  const pc = new RTCPeerConnection({ iceServers: [] })
  const raw = { pc, cands: [], dcs: [], gap: 0 }
  window.__raw = raw
  pc.onicecandidate = (e) => e.candidate && raw.cands.push(e.candidate.toJSON())
  // Receiver: a text "size:N" starts a transfer; "done" goes back once N bytes arrived. The
  // longest pause between two messages (raw.gap, ms) shows the cold association's stalls.
  pc.ondatachannel = (e) => {
    const dc = e.channel
    dc.binaryType = 'arraybuffer'
    let want = 0
    let got = 0
    let last = 0
    dc.onmessage = (m) => {
      if (typeof m.data === 'string') {
        want = Number(m.data.slice(5))
        got = 0
        last = performance.now()
        raw.gap = 0
        return
      }
      const now = performance.now()
      raw.gap = Math.max(raw.gap, now - last)
      last = now
      got += m.data.byteLength
      if (got === want) dc.send('done')
    }
  }
})()`

/**
 * Sends `bytes` from this page's channels (split evenly over the first `channels` of them), each
 * keeping at most `marks.high` bytes queued (refilled at `marks.low`), in messages of `message`
 * bytes (64 KiB); resolves to ms from the first byte to the last receiver's "done".
 */
export const rawSend = (
  bytes: number,
  marks: { high: number; low: number },
  opts: { channels?: number; message?: number } = {},
): string => `(async () => {
  const dcs = window.__raw.dcs.slice(0, ${opts.channels ?? 1})
  const msg = ${opts.message ?? 65536}
  const pool = new Uint8Array(${MiB})
  for (let i = 0; i < pool.length; i += 65536) crypto.getRandomValues(pool.subarray(i, i + 65536))
  const one = async (dc, bytes) => {
    dc.bufferedAmountLowThreshold = ${marks.low}
    const done = new Promise((r) => (dc.onmessage = (m) => m.data === 'done' && r()))
    dc.send('size:' + bytes)
    let sent = 0
    while (sent < bytes) {
      if (dc.bufferedAmount > ${marks.high}) {
        await new Promise((r) => dc.addEventListener('bufferedamountlow', r, { once: true }))
        continue
      }
      const n = Math.min(msg, bytes - sent)
      const at = sent % pool.length
      dc.send(at + n <= pool.length ? pool.subarray(at, at + n) : pool.subarray(0, n))
      sent += n
    }
    await done
  }
  const each = Math.floor(${bytes} / dcs.length / msg) * msg
  const t0 = performance.now()
  await Promise.all(dcs.map((dc, i) => one(dc, i === dcs.length - 1 ? ${bytes} - each * i : each)))
  return performance.now() - t0
})()`

/** The longest pause (ms) between two messages the receiving page saw in the last rawSend. */
export const rawGap = 'window.__raw.gap'

/** Opens `channels` plain datachannels (one association) between the two pages: offer, answer and trickled candidates by hand. */
export async function rawConnect(a: Page, b: Page, channels = 1): Promise<void> {
  await Promise.all([a.evaluate(RAW_SETUP), b.evaluate(RAW_SETUP)])
  const offer = await a.evaluate(`(async () => {
    const raw = window.__raw
    for (let i = 0; i < ${channels}; i++) {
      const dc = raw.pc.createDataChannel('bench-raw-' + i, { ordered: true })
      dc.binaryType = 'arraybuffer'
      raw.dcs.push(dc)
    }
    await raw.pc.setLocalDescription(await raw.pc.createOffer())
    return raw.pc.localDescription.toJSON()
  })()`)
  const answer = await b.evaluate(`(async () => {
    const pc = window.__raw.pc
    await pc.setRemoteDescription(${JSON.stringify(offer)})
    await pc.setLocalDescription(await pc.createAnswer())
    return pc.localDescription.toJSON()
  })()`)
  await a.evaluate(`window.__raw.pc.setRemoteDescription(${JSON.stringify(answer)})`)
  const take = 'window.__raw.cands.splice(0)'
  const add = (cs: unknown): string =>
    `Promise.all(${JSON.stringify(cs)}.map((c) => window.__raw.pc.addIceCandidate(c)))`
  const deadline = Date.now() + 15_000
  while (!(await a.evaluate(`window.__raw.dcs.every((dc) => dc.readyState === 'open')`))) {
    if (Date.now() > deadline) throw new Error('raw datachannel did not open in 15 s')
    const [fromA, fromB] = await Promise.all([a.evaluate(take), b.evaluate(take)])
    await Promise.all([b.evaluate(add(fromA)), a.evaluate(add(fromB))])
    await sleep(20)
  }
}

export async function rawClose(a: Page, b: Page): Promise<void> {
  await Promise.all([a.evaluate('window.__raw.pc.close()'), b.evaluate('window.__raw.pc.close()')])
}
