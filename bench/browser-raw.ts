/**
 * The raw baseline of bench:transfer:browser: a plain RTCPeerConnection datachannel between two
 * pages, signalled by hand. In-page code goes as strings: tsx's keepNames helpers (`__name`) do
 * not exist in the page.
 */
import type { Page } from 'playwright-core'
import { MiB, sleep } from './units.ts'

const RAW_SETUP = `(() => {
  const pc = new RTCPeerConnection({ iceServers: [] })
  const raw = { pc, cands: [], dc: null }
  window.__raw = raw
  pc.onicecandidate = (e) => e.candidate && raw.cands.push(e.candidate.toJSON())
  // Receiver: a text "size:N" starts a transfer; "done" goes back once N bytes arrived.
  pc.ondatachannel = (e) => {
    const dc = e.channel
    dc.binaryType = 'arraybuffer'
    let want = 0
    let got = 0
    dc.onmessage = (m) => {
      if (typeof m.data === 'string') {
        want = Number(m.data.slice(5))
        got = 0
        return
      }
      got += m.data.byteLength
      if (got === want) dc.send('done')
    }
  }
})()`

/**
 * Sends `bytes` from this page's channel, keeping at most `marks.high` bytes queued (refilled at
 * `marks.low`); resolves to ms from the first byte to the receiver's "done".
 */
export const rawSend = (
  bytes: number,
  marks: { high: number; low: number },
): string => `(async () => {
  const dc = window.__raw.dc
  const pool = new Uint8Array(${MiB})
  for (let i = 0; i < pool.length; i += 65536) crypto.getRandomValues(pool.subarray(i, i + 65536))
  dc.bufferedAmountLowThreshold = ${marks.low}
  const done = new Promise((r) => (dc.onmessage = (m) => m.data === 'done' && r()))
  dc.send('size:${bytes}')
  const t0 = performance.now()
  let sent = 0
  while (sent < ${bytes}) {
    if (dc.bufferedAmount > ${marks.high}) {
      await new Promise((r) => dc.addEventListener('bufferedamountlow', r, { once: true }))
      continue
    }
    const n = Math.min(65536, ${bytes} - sent)
    const at = sent % pool.length
    dc.send(pool.subarray(at, at + n))
    sent += n
  }
  await done
  return performance.now() - t0
})()`

/** Opens a plain datachannel between the two pages: offer, answer and trickled candidates by hand. */
export async function rawConnect(a: Page, b: Page): Promise<void> {
  await Promise.all([a.evaluate(RAW_SETUP), b.evaluate(RAW_SETUP)])
  const offer = await a.evaluate(`(async () => {
    const raw = window.__raw
    raw.dc = raw.pc.createDataChannel('bench-raw', { ordered: true })
    raw.dc.binaryType = 'arraybuffer'
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
  while (!(await a.evaluate(`window.__raw.dc.readyState === 'open'`))) {
    if (Date.now() > deadline) throw new Error('raw datachannel did not open in 15 s')
    const [fromA, fromB] = await Promise.all([a.evaluate(take), b.evaluate(take)])
    await Promise.all([b.evaluate(add(fromA)), a.evaluate(add(fromB))])
    await sleep(20)
  }
}

export async function rawClose(a: Page, b: Page): Promise<void> {
  await Promise.all([a.evaluate('window.__raw.pc.close()'), b.evaluate('window.__raw.pc.close()')])
}
