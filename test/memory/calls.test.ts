import { afterEach, describe, expect, it } from 'vitest'
import type {
  CallView,
  MediaPorts,
  MediaStreamLike,
  MemoryNetwork,
  OpenPeerClient,
  OpenPeerClientOptions,
} from '../../src/openpeer/index.ts'
import { createMemoryNetwork, idOf, memoryClient, startFinder, until } from './harness.ts'

/*
 * Calls' signalling over in-memory sessions: the memory network carries no media, but its
 * connection announces added tracks to the other side at the next offer or answer, so the
 * renegotiation over the control channel is exercised too. Real audio and video: e2e/calls.spec.ts.
 */

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

class FakeTrack {
  enabled = true
  stopped = false
  constructor(readonly kind: 'audio' | 'video') {}
  stop(): void {
    this.stopped = true
  }
}

/**
 * A camera and microphone; `camera: false` has none, `deny` refuses like a browser prompt,
 * `denyCamera` like a site setting that blocks the camera alone.
 */
function fakeMedia(
  opts: { camera?: boolean; deny?: boolean; denyCamera?: boolean; microphone?: boolean } = {},
) {
  const asked: { audio: boolean; video: boolean }[] = []
  const streams: MediaStreamLike[] = []
  const tracks: FakeTrack[] = []
  const port: MediaPorts = {
    async getUserMedia(c) {
      asked.push(c)
      if (opts.deny || (c.video && opts.denyCamera))
        throw Object.assign(new Error('Permission denied'), { name: 'NotAllowedError' })
      if (opts.microphone === false || (c.video && opts.camera === false)) {
        throw Object.assign(new Error('Requested device not found'), { name: 'NotFoundError' })
      }
      const mine = [new FakeTrack('audio'), ...(c.video ? [new FakeTrack('video')] : [])]
      tracks.push(...mine)
      const stream = { getTracks: () => mine }
      streams.push(stream)
      return stream
    },
  }
  return { port, asked, streams, tracks }
}

type Media = ReturnType<typeof fakeMedia>

async function setup(opts: Partial<OpenPeerClientOptions> = {}, network?: MemoryNetwork) {
  const finder = await startFinder()
  let finderOpen = true
  const closeFinder = async (): Promise<void> => {
    if (finderOpen) await finder.server.close()
    finderOpen = false
  }
  cleanups.push(closeFinder)
  const net = network ?? createMemoryNetwork()
  const make = async (name: string, media: Media | undefined) => {
    const client = await memoryClient(
      name,
      finder.domain,
      net,
      media ? { media: media.port } : {},
      opts,
    )
    cleanups.push(() => client.stop())
    return client
  }
  return { make, closeFinder, network: net }
}

async function connect(a: OpenPeerClient, b: OpenPeerClient): Promise<void> {
  const seen = until(a, 'contact:state', (v) => v.state === 'connected' && v.contactId === idOf(b))
  await b.acceptInvite(a.inviteLink('http://app.test'))
  await seen
}

/** Waits (at most 5 s) until `ok()` holds: tracks arrive a turn after the answer. */
async function eventually(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !ok(); i++) await new Promise((r) => setTimeout(r, 10))
}

const ended = (c: OpenPeerClient, callId?: string) =>
  until(c, 'call:state', (v) => v.state === 'ended' && (!callId || v.callId === callId))
const active = (c: OpenPeerClient) => until(c, 'call:state', (v) => v.state === 'active')

/** Alice rings Bob; resolves once Bob's side rings. */
async function ring(alice: OpenPeerClient, bob: OpenPeerClient, video = true) {
  const incoming = until(bob, 'call:incoming')
  const call = await alice.calls.start(idOf(bob), { video })
  const theirs = await incoming
  expect(theirs).toMatchObject({
    callId: call.callId,
    contactId: idOf(alice),
    direction: 'incoming',
    video,
    state: 'incoming',
  })
  return call
}

async function inCall(alice: OpenPeerClient, bob: OpenPeerClient): Promise<CallView> {
  const call = await ring(alice, bob)
  const both = Promise.all([active(alice), active(bob)])
  await bob.calls.accept(call.callId)
  await both
  return call
}

describe('calls (dialogs) over a session', () => {
  it('rings, connects both ways with the finder gone, and either side hanging up ends it on both', async () => {
    const { make, closeFinder } = await setup()
    const aMedia = fakeMedia()
    const bMedia = fakeMedia()
    const alice = await make('Alice', aMedia)
    const bob = await make('Bob', bMedia)
    await connect(alice, bob)
    // Everything from here travels the session: no finder to ring through.
    await closeFinder()

    const aliceTracks: string[] = []
    const bobTracks: string[] = []
    const aliceStreams = new Set<MediaStreamLike>()
    alice.on('call:track', (t) => {
      aliceStreams.add(t.stream)
      aliceTracks.push(t.track.kind)
    })
    bob.on('call:track', (t) => bobTracks.push(t.track.kind))
    const call = await ring(alice, bob)
    // The caller's devices are asked when the call starts, the callee's when it answers.
    expect(aMedia.asked).toEqual([{ audio: true, video: true }])
    expect(bMedia.asked).toEqual([])
    const both = Promise.all([active(alice), active(bob)])
    await bob.calls.accept(call.callId)
    const [a, b] = await both
    expect(a).toMatchObject({ state: 'active', sendingVideo: true })
    expect(b).toMatchObject({ state: 'active', sendingVideo: true, direction: 'incoming' })
    await eventually(() => aliceTracks.length === 2 && bobTracks.length === 2)
    expect(aliceTracks.sort()).toEqual(['audio', 'video'])
    expect(bobTracks.sort()).toEqual(['audio', 'video'])
    // The remote stream is the one the other side's devices gave it.
    expect([...aliceStreams]).toEqual([bMedia.streams[0]])
    expect(alice.calls.localStream(call.callId)).toBe(aMedia.streams[0])

    // Bob hangs up: both sides end, every local track stops.
    const aEnd = ended(alice)
    const bEnd = ended(bob)
    bob.calls.hangUp(call.callId)
    expect(await aEnd).toMatchObject({ reason: 'remote-hangup' })
    expect(await bEnd).toMatchObject({ reason: 'hangup' })
    expect([...aMedia.tracks, ...bMedia.tracks].every((t) => t.stopped)).toBe(true)

    // A second call on the same session, hung up by the caller this time.
    const again = await inCall(alice, bob)
    const bEnd2 = ended(bob)
    alice.calls.hangUp(again.callId)
    expect(await bEnd2).toMatchObject({ reason: 'remote-hangup' })
    expect(alice.calls.list()).toEqual([])
    expect(bob.calls.list()).toEqual([])
    // Chat still works on the session the calls used.
    const got = until(alice, 'message:received')
    await bob.sendMessage(idOf(alice), 'after the call')
    expect((await got).body).toBe('after the call')
  })

  it('a declined call ends on both sides and never asks for the callee’s devices', async () => {
    const { make } = await setup()
    const bMedia = fakeMedia()
    const alice = await make('Alice', fakeMedia())
    const bob = await make('Bob', bMedia)
    await connect(alice, bob)
    const call = await ring(alice, bob, false)
    const aEnd = ended(alice)
    const bEnd = ended(bob)
    bob.calls.decline(call.callId)
    expect(await aEnd).toMatchObject({ reason: 'declined', callId: call.callId })
    expect(await bEnd).toMatchObject({ reason: 'declined' })
    expect(bMedia.asked).toEqual([])
  })

  it('a callee already in a call answers busy', async () => {
    const { make } = await setup()
    const alice = await make('Alice', fakeMedia())
    const bob = await make('Bob', fakeMedia())
    const carol = await make('Carol', fakeMedia())
    await connect(alice, bob)
    await connect(alice, carol)
    await inCall(alice, bob)
    const carolEnd = ended(carol)
    let aliceRang = false
    alice.on('call:incoming', () => (aliceRang = true))
    await carol.calls.start(idOf(alice), { video: false })
    expect(await carolEnd).toMatchObject({ reason: 'busy' })
    expect(aliceRang).toBe(false)
    expect(alice.calls.list()).toMatchObject([{ state: 'active', contactId: idOf(bob) }])

    // A host with no camera or microphone at all (a Node super-peer) answers busy at once.
    const dan = await make('Dan', undefined)
    await connect(dan, carol)
    const again = ended(carol)
    await carol.calls.start(idOf(dan))
    expect(await again).toMatchObject({ reason: 'busy' })
  })

  it('an unanswered call rings out: timeout for the caller, missed for the callee', async () => {
    const { make } = await setup({ ringTimeout: 400 })
    const alice = await make('Alice', fakeMedia())
    const bob = await make('Bob', fakeMedia())
    await connect(alice, bob)
    const aEnd = ended(alice)
    const bEnd = ended(bob)
    await ring(alice, bob)
    expect(await aEnd).toMatchObject({ reason: 'timeout' })
    expect(await bEnd).toMatchObject({ reason: 'missed' })
  })

  it('a caller who hangs up while it rings leaves a missed call', async () => {
    const { make } = await setup()
    const aMedia = fakeMedia()
    const alice = await make('Alice', aMedia)
    const bob = await make('Bob', fakeMedia())
    await connect(alice, bob)
    const call = await ring(alice, bob)
    const bEnd = ended(bob)
    alice.calls.hangUp(call.callId)
    expect(await bEnd).toMatchObject({ reason: 'missed' })
    expect(aMedia.tracks.every((t) => t.stopped)).toBe(true)
    await expect(bob.calls.accept(call.callId)).rejects.toMatchObject({ code: 'ERR_NOT_FOUND' })
  })

  it('a session that drops ends the call on both sides', async () => {
    const { make, network } = await setup()
    const alice = await make('Alice', fakeMedia())
    const bob = await make('Bob', fakeMedia())
    await connect(alice, bob)
    await inCall(alice, bob)
    const aEnd = ended(alice)
    const bEnd = ended(bob)
    for (const p of network.peers) p.destroy()
    expect(await aEnd).toMatchObject({ reason: 'failed', error: { code: 'ERR_SESSION_CLOSED' } })
    expect(await bEnd).toMatchObject({ reason: 'failed', error: { code: 'ERR_SESSION_CLOSED' } })
  })

  it('a faltering path during a call gets an ICE restart over the control channel; the call goes on', async () => {
    const { make, network } = await setup()
    const alice = await make('Alice', fakeMedia())
    const bob = await make('Bob', fakeMedia())
    await connect(alice, bob)
    await inCall(alice, bob)
    const live = network.peers.filter((p) => p.connected && !p.destroyed)
    expect(live).toHaveLength(2)
    // The answerer's ICE falters: it asks the offerer, which restarts ICE.
    const answerer = live.find((p) => !p.initiator)!
    const offerer = live.find((p) => p.initiator)!
    answerer.setIceState('disconnected')
    await eventually(() => offerer.iceRestarts > 0)
    expect(offerer.iceRestarts).toBe(1)
    answerer.setIceState('connected')
    expect(alice.calls.list()).toMatchObject([{ state: 'active' }])
    expect(bob.calls.list()).toMatchObject([{ state: 'active' }])
  })

  it('a video call from a device without a camera goes on with voice; mute and camera off', async () => {
    const { make } = await setup()
    const aMedia = fakeMedia()
    const bMedia = fakeMedia({ camera: false })
    const alice = await make('Alice', aMedia)
    const bob = await make('Bob', bMedia)
    await connect(alice, bob)
    const call = await ring(alice, bob)
    const bActive = active(bob)
    await bob.calls.accept(call.callId)
    expect(await bActive).toMatchObject({ video: true, sendingVideo: false })
    expect(bMedia.asked).toEqual([
      { audio: true, video: true },
      { audio: true, video: false },
    ])
    alice.calls.mute(call.callId, true)
    alice.calls.cameraOff(call.callId, true)
    expect(aMedia.tracks.map((t) => t.enabled)).toEqual([false, false])
    expect(alice.calls.list()[0]).toMatchObject({ muted: true, cameraOff: true })
    alice.calls.mute(call.callId, false)
    expect(aMedia.tracks.map((t) => t.enabled)).toEqual([true, false])
  })

  it('a camera blocked while the microphone is allowed still makes a (voice) video call', async () => {
    const { make } = await setup()
    const aMedia = fakeMedia({ denyCamera: true })
    const alice = await make('Alice', aMedia)
    const bob = await make('Bob', fakeMedia())
    await connect(alice, bob)
    const call = await ring(alice, bob)
    expect(call).toMatchObject({ video: true, sendingVideo: false })
    expect(aMedia.tracks.map((t) => t.kind)).toEqual(['audio'])
  })

  it('says why a call cannot start: devices refused, no microphone, no contact, a call on already', async () => {
    const { make } = await setup()
    const alice = await make('Alice', fakeMedia({ deny: true }))
    const bob = await make('Bob', fakeMedia({ microphone: false }))
    const carol = await make('Carol', undefined)
    await connect(alice, bob)
    await connect(carol, bob)
    let rang = false
    bob.on('call:incoming', () => (rang = true))
    await expect(alice.calls.start(idOf(bob), { video: true })).rejects.toMatchObject({
      code: 'ERR_MEDIA_DENIED',
    })
    await expect(bob.calls.start(idOf(alice))).rejects.toMatchObject({ code: 'ERR_NO_DEVICE' })
    await expect(carol.calls.start(idOf(bob))).rejects.toMatchObject({ code: 'ERR_NO_DEVICE' })
    await expect(bob.calls.start('f'.repeat(64))).rejects.toMatchObject({
      code: 'ERR_UNAVAILABLE',
    })
    expect(rang).toBe(false)
    // Cancelled while the prompt is up: nothing rings, and what the prompt gives later is stopped.
    const slow = fakeMedia()
    let allow: () => void = () => {}
    const prompt = new Promise<void>((r) => (allow = r))
    const erin = await make('Erin', {
      ...slow,
      port: { getUserMedia: async (c) => (await prompt, slow.port.getUserMedia(c)) },
    })
    await connect(erin, bob)
    const cancel = new AbortController()
    const starting = erin.calls.start(idOf(bob), { video: true, signal: cancel.signal })
    cancel.abort()
    await expect(starting).rejects.toMatchObject({ code: 'ERR_ABORTED' })
    allow()
    await eventually(() => slow.tracks.length === 2)
    await eventually(() => slow.tracks.every((t) => t.stopped))
    expect(slow.tracks.every((t) => t.stopped)).toBe(true)
    expect(erin.calls.list()).toEqual([])

    // A callee without a microphone cannot answer: the caller hears a decline.
    const dan = await make('Dan', fakeMedia())
    await connect(dan, bob)
    const call = await ring(dan, bob, false)
    const danEnd = ended(dan)
    await expect(bob.calls.accept(call.callId)).rejects.toMatchObject({ code: 'ERR_NO_DEVICE' })
    expect(await danEnd).toMatchObject({ reason: 'declined' })
  })
})

describe('calls on the relay tunnel', () => {
  it('refuse to start with ERR_NO_MEDIA_PATH: the tunnel carries no media', async () => {
    const network = createMemoryNetwork()
    network.blocked = true
    const { make } = await setup({ timings: { iceTimeout: 300, upgradeEvery: 60_000 } }, network)
    const alice = await make('Alice', fakeMedia())
    const bob = await make('Bob', fakeMedia())
    const tunnel = until(bob, 'contact:state', (v) => v.path === 'tunnel')
    await bob.acceptInvite(alice.inviteLink('http://app.test'))
    await tunnel
    await expect(bob.calls.start(idOf(alice), { video: true })).rejects.toMatchObject({
      code: 'ERR_NO_MEDIA_PATH',
    })
  })
})
