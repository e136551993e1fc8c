import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import { OpenPeerError, isOpenPeerError, type ErrorCode } from '../errors.ts'
import { findSecretProof } from '../identity/find-secret.ts'
import { randomId } from '../identity/encoding.ts'
import { exportPublicJwk, generateIdentityKeys, type IdentityKeys } from '../identity/keys.ts'
import { createPeerFile, createSectionB, type VerifiedPeerFile } from '../identity/peer-file.ts'
import { seal, sealOnChannel, sealOpening } from '../identity/seal.ts'
import { signJson } from '../identity/sign.ts'
import { MAX_FRAME, WireError, compileParsers, decode, encode, errorResult } from './codec.ts'
import {
  CATALOGUE,
  type Channel,
  type Kind,
  type MessageType,
  type WireMessage,
} from './messages.ts'
import { PROOF_LIFETIME, digestOf, makeProof } from './proof.ts'

/** Arbitrary UTF-16 code units, lone surrogates included (much faster than unit: 'binary'). */
const utf16Units = (maxLength: number): fc.Arbitrary<string> =>
  fc
    .array(fc.integer({ min: 0, max: 0xffff }), { maxLength })
    .map((units) => String.fromCharCode(...units))

const NOW = 1_700_000_000_000
const CHANNELS: readonly Channel[] = ['finder', 'peer']
const KINDS: readonly Kind[] = ['request', 'result', 'notify']
const FP_A = `sha-256 ${Array.from({ length: 32 }, (_, i) => (i * 7).toString(16).padStart(2, '0').toUpperCase()).join(':')}`
const FP_B = `sha-256 ${Array.from({ length: 32 }, (_, i) => (255 - i).toString(16).toUpperCase()).join(':')}`

type Msg = Record<string, unknown> & { v: unknown; kind: unknown; type: unknown; id: unknown }

/** Every (type, kind) pair the catalogue defines, with the one channel it may use. */
const PAIRS = Object.entries(CATALOGUE).flatMap(([type, entry]) =>
  KINDS.filter((kind) => kind in entry).map((kind) => ({
    type: type as MessageType,
    kind,
    channel: (entry.channels as readonly Channel[])[0] as Channel,
    channels: entry.channels as readonly Channel[],
  })),
)

/** A minimal valid message for each (type, kind), with real peer files and real proofs. */
const samples = new Map<string, Msg>()
const key = (type: string, kind: string): string => `${type}/${kind}`

function sample(type: string, kind: string): Msg {
  const m = samples.get(key(type, kind))
  if (!m) throw new Error(`no sample message for ${type} ${kind}: add one to codec.test.ts`)
  return structuredClone(m)
}

function thrown(f: () => unknown): OpenPeerError & Partial<Pick<WireError, 'id' | 'kind'>> {
  try {
    f()
  } catch (e) {
    if (!(e instanceof OpenPeerError)) throw e
    return e
  }
  throw new Error('expected an error')
}

function expectBad(raw: unknown, channel: Channel, messageId?: string): void {
  const e = thrown(() => decode(raw, channel))
  expect(e).toMatchObject({ code: 'ERR_BAD_MESSAGE', status: 400 })
  expect(e.id).toBe(messageId)
}

/** `text` padded with JSON white space to exactly `bytes` UTF-8 bytes. */
function padTo(text: string, bytes: number): string {
  const padded = text + ' '.repeat(bytes - Buffer.byteLength(text))
  expect(Buffer.byteLength(padded)).toBe(bytes)
  return padded
}

let alice: { keys: IdentityKeys; peer: VerifiedPeerFile }
let bob: { keys: IdentityKeys; peer: VerifiedPeerFile }

beforeAll(async () => {
  const [ak, bk] = await Promise.all([generateIdentityKeys(), generateIdentityKeys()])
  alice = {
    keys: ak,
    peer: await createPeerFile(ak, { domain: 'finder.example', name: 'Alice', now: NOW }),
  }
  bob = {
    keys: bk,
    peer: await createPeerFile(bk, { domain: 'finder.example', name: 'Bob', now: NOW }),
  }
  const aliceBox = await exportPublicJwk(ak.box.publicKey)
  const bobBox = await exportPublicJwk(bk.box.publicKey)
  const channelKey = (await sealOpening(bobBox, {}, 'find', 'signal test initiator'))
    .channel as CryptoKey
  const sign = ak.sign.privateKey
  const location = { id: 'loc-alice', label: 'laptop' }
  const context = randomId()
  const bobB = bob.peer.file.B
  if (!bobB) throw new Error('no B')

  const add = (type: MessageType, kind: Kind, body: object): void => {
    samples.set(key(type, kind), { v: 1, kind, type, id: randomId(), ...body })
  }

  add('session-create', 'request', {
    proof: await makeProof(
      sign,
      { finder: 'finder.example', location, peer: { A: alice.peer.file.A, B: alice.peer.file.B } },
      PROOF_LIFETIME.finder,
      NOW,
    ),
  })
  add('session-create', 'result', { expires: NOW + 60_000, location: location.id })
  add('session-keep-alive', 'request', {})
  add('session-keep-alive', 'result', { expires: NOW + 60_000 })
  add('session-delete', 'request', {})
  add('session-delete', 'result', {})
  add('peer-file-get', 'request', { contactId: bob.peer.contactId })
  add('peer-file-get', 'result', { peer: { A: bob.peer.file.A } })

  // The find proof binds findSecretProof to its own sender, target, context, nonce and expiry,
  // so it is signed directly.
  const nonce = randomId()
  const expires = NOW + 60_000
  const findProof = await signJson(sign, {
    to: bob.peer.uri,
    findSecretProof: await findSecretProof(bobB.findSecret, {
      from: alice.peer.contactId,
      to: bob.peer.uri,
      context,
      nonce,
      expires,
    }),
    context,
    from: alice.peer.file.A,
    fromLocation: location.id,
    sealed: await seal(bobBox, { sdp: 'v=0', location, peer: alice.peer.file }, 'find'),
    nonce,
    expires,
  })
  add('peer-location-find', 'request', { proof: findProof })
  add('peer-location-find', 'result', { locations: 1 })
  add('peer-location-find', 'notify', {
    proof: await makeProof(
      bob.keys.sign.privateKey,
      {
        requestDigest: await digestOf(findProof),
        context,
        location: 'loc-bob',
        sealed: await seal(aliceBox, { sdp: 'v=0' }, 'find-reply'),
      },
      PROOF_LIFETIME.finder,
      NOW,
    ),
  })
  add('peer-location-signal', 'notify', {
    proof: await makeProof(
      sign,
      {
        context,
        from: location.id,
        to: 'loc-bob',
        sealed: await sealOnChannel(channelKey, { signals: [] }, 'signal'),
      },
      PROOF_LIFETIME.finder,
      NOW,
    ),
  })
  add('relay-open', 'request', { context })
  add('relay-open', 'result', { token: 'A'.repeat(22), peerToken: 'B'.repeat(22), expires: NOW })
  const identify = await makeProof(
    sign,
    {
      context,
      findSecret: bobB.findSecret,
      peer: alice.peer.file,
      location,
      fingerprints: { local: FP_A, remote: FP_B },
    },
    PROOF_LIFETIME.identify,
    NOW,
  )
  add('peer-identify', 'request', { proof: identify })
  add('peer-identify', 'result', {
    proof: await makeProof(
      bob.keys.sign.privateKey,
      {
        digest: await digestOf(identify),
        peer: bob.peer.file,
        location: { id: 'loc-bob', label: '' },
        fingerprints: { local: FP_B, remote: FP_A },
      },
      PROOF_LIFETIME.identify,
      NOW,
    ),
  })
  add('peer-keep-alive', 'request', {})
  add('peer-keep-alive', 'result', {})
  add('session-signal', 'notify', { signal: { type: 'offer', sdp: 'v=0\r\n' } })
  add('session-close', 'notify', { reason: 'bye' })
  add('peer-file-update', 'notify', {
    peer: { B: await createSectionB(ak, alice.peer.uri, undefined, NOW + 1), C: alice.peer.file.C },
  })
  add('thread-message', 'request', {
    proof: await signJson(sign, {
      thread: 't-1',
      msgId: 'm-1',
      from: alice.peer.uri,
      to: bob.peer.uri,
      sent: NOW,
      body: 'hello 😀',
      mime: 'text/plain',
    }),
  })
  add('thread-message', 'result', {})
  add('receipt', 'notify', { thread: 't-1', msgIds: ['m-1', 'm-2'], state: 'read' })
  add('torrent-offer', 'notify', TORRENT_OFFER)
  add('dialog', 'notify', { call: 'c-1', state: 'invite', video: true })
  add('torrent-wire', 'request', { infoHash: INFO_HASH, channel: 64 })
  add('torrent-wire', 'result', {})
  add('introduce', 'request', { peer: bob.peer.file })
  add('introduce', 'result', {})
  add('device-hello', 'request', { name: 'Phone', nonce: 'N'.repeat(22) })
  add('device-hello', 'result', { nonce: 'M'.repeat(22) })
  add('device-transfer', 'request', { part: 0, parts: 1, data: '{}' })
  add('device-transfer', 'result', {})
  add('device-decline', 'notify', { reason: 'declined' })
  add('device-remove', 'notify', { reason: 'removed' })
  add('device-pin', 'request', { file: TORRENT_OFFER, offerTo: ['a'.repeat(64)] })
  add('device-pin', 'result', { kept: true })
  add('device-sync', 'request', {
    messages: [
      { dir: 'in', contactId: 'a'.repeat(64), thread: 't-1', msgId: 'm-1', body: 'hi', sent: NOW },
    ],
    contacts: [{ peer: bob.peer.file, findSecret: bobB.findSecret }],
    marks: [{ dir: 'out', contactId: 'a'.repeat(64), msgIds: ['m-1'], state: 'read' }],
  })
  add('device-sync', 'result', {})
})

const INFO_HASH = '0123456789abcdef0123456789abcdef01234567'
const TORRENT_OFFER = {
  infoHash: INFO_HASH,
  magnet: `magnet:?xt=urn:btih:${INFO_HASH}&dn=photo.jpg&xl=1024`,
  name: 'photo.jpg',
  size: 1024,
  mime: 'image/jpeg',
}

describe('decode: the catalogue', () => {
  it('has a sample for every (type, kind) pair, and a channel for every type', () => {
    expect(PAIRS.length).toBeGreaterThanOrEqual(20)
    for (const { type, kind, channels } of PAIRS) {
      expect(sample(type, kind)).toBeDefined()
      expect(channels.length).toBeGreaterThanOrEqual(1)
    }
  })

  // A find and its signalling cross a finder or an introducer's session (PROTOCOL §5.6).
  it.each(PAIRS.filter(({ channels }) => channels.length > 1))(
    'accepts $type $kind on both channels',
    ({ type, kind }) => {
      const m = sample(type, kind)
      for (const channel of ['finder', 'peer'] as const)
        expect(decode(JSON.stringify(m), channel)).toEqual(m)
    },
  )

  it.each(PAIRS)(
    'accepts a valid $type $kind on the $channel channel',
    ({ type, kind, channel }) => {
      const m = sample(type, kind)
      const text = JSON.stringify(m)
      expect(decode(text, channel)).toEqual(m)
      expect(decode(new TextEncoder().encode(text), channel)).toEqual(m)
      expect(decode(new TextEncoder().encode(text).buffer, channel)).toEqual(m)
      expect(decode(encode(m as unknown as WireMessage, channel), channel)).toEqual(m)
    },
  )

  it.each(PAIRS.filter(({ channels }) => channels.length === 1))(
    'refuses $type $kind off the $channel channel',
    ({ type, kind, channel }) => {
      const m = sample(type, kind)
      const other = channel === 'finder' ? 'peer' : 'finder'
      expectBad(JSON.stringify(m), other, m.id as string)
    },
  )

  const lacking = PAIRS.filter(({ type }) => KINDS.some((k) => !(k in CATALOGUE[type])))
  it.each(lacking)('refuses $type $kind under a kind the type lacks', ({ type, kind, channel }) => {
    const m = sample(type, kind)
    const missing = KINDS.filter((k) => !(k in CATALOGUE[type]))
    for (const wrong of missing) {
      expectBad(JSON.stringify({ ...m, kind: wrong }), channel, m.id as string)
    }
  })

  it.each(PAIRS)('refuses $type $kind with an extra field (strict)', ({ type, kind, channel }) => {
    const m = sample(type, kind)
    expectBad(JSON.stringify({ ...m, extra: 1 }), channel, m.id as string)
    expectBad(JSON.stringify(m).replace(/^\{/, '{"__proto__":{},'), channel, m.id as string)
  })

  it('refuses an extra field deep inside a proof', () => {
    const m = sample('session-create', 'request') as Msg & { proof: { location: object } }
    m.proof.location = { ...m.proof.location, admin: true }
    expectBad(JSON.stringify(m), 'finder', m.id as string)
    const n = sample('peer-identify', 'request') as Msg & { proof: { peer: { A: object } } }
    n.proof.peer.A = { ...n.proof.peer.A, extra: 'x' }
    expectBad(JSON.stringify(n), 'peer', n.id as string)
  })

  it('refuses a missing required field', () => {
    const m = sample('peer-file-get', 'request')
    delete m.contactId
    expectBad(JSON.stringify(m), 'finder', m.id as string)
  })
})

describe('decode without compiled parsers (the app: compileParsers(false))', () => {
  /** decode's verdict on `text`: the message, or the refusal's code and words */
  const verdict = (text: string, channel: Channel): unknown => {
    try {
      return decode(text, channel)
    } catch (err) {
      return { code: (err as OpenPeerError).code, message: (err as Error).message }
    }
  }
  /** the verdicts with and without compiled parsers */
  const both = (text: string, channel: Channel): [unknown, unknown] => {
    const compiled = verdict(text, channel)
    compileParsers(false)
    try {
      return [compiled, verdict(text, channel)]
    } finally {
      compileParsers(true)
    }
  }

  it.each(PAIRS)('gives the same verdicts for $type $kind', ({ type, kind, channel }) => {
    const m = sample(type, kind)
    const [compiled, interpreted] = both(JSON.stringify(m), channel)
    expect(interpreted).toEqual(m)
    expect(compiled).toEqual(m)
    const body = Object.keys(m).filter((k) => !['v', 'kind', 'type', 'id'].includes(k))
    // A field dropped may be an optional one: the two must agree, whatever they say.
    for (const k of body) {
      const [a, b] = both(JSON.stringify({ ...m, [k]: undefined }), channel)
      expect(b).toEqual(a)
    }
    const broken = [{ ...m, extra: 1 }, ...body.map((k) => ({ ...m, [k]: { nested: [1] } }))]
    for (const bad of broken) {
      const [a, b] = both(JSON.stringify(bad), channel)
      expect(b).toEqual(a)
      expect(b).toMatchObject({ code: 'ERR_BAD_MESSAGE' })
    }
  })

  it('refuses an extra field deep inside a proof without compiled parsers too', () => {
    const m = sample('peer-identify', 'request') as Msg & { proof: { peer: { A: object } } }
    m.proof.peer.A = { ...m.proof.peer.A, extra: 'x' }
    const [a, b] = both(JSON.stringify(m), 'peer')
    expect(b).toEqual(a)
    expect(b).toMatchObject({ code: 'ERR_BAD_MESSAGE' })
  })
})

describe('decode: messages without a body (the keep-alive shape)', () => {
  // Every (type, kind, channel) of the catalogue: those whose body is empty take the fast path.
  const cases = (Object.keys(CATALOGUE) as MessageType[]).flatMap((type) =>
    KINDS.flatMap((kind) => CHANNELS.map((channel) => ({ type, kind, channel }))),
  )
  const compact = (type: string, kind: string) =>
    `{"v":1,"kind":"${kind}","type":"${type}","id":"k42"}`
  const spaced = (type: string, kind: string) =>
    `{ "v": 1, "kind": "${kind}", "type": "${type}", "id": "k42" }`

  it('decode exactly as the full path does, accepted or refused alike', () => {
    let accepted = 0
    for (const { type, kind, channel } of cases) {
      // The spaced frame does not have the exact shape, so it is parsed and checked by zod.
      let full: unknown
      try {
        full = decode(spaced(type, kind), channel)
      } catch (err) {
        full = err
      }
      if (full instanceof Error) {
        const fast = thrown(() => decode(compact(type, kind), channel))
        expect(fast, `${type} ${kind} on ${channel}`).toMatchObject({
          code: (full as OpenPeerError).code,
          message: full.message,
        })
      } else {
        accepted++
        expect(decode(compact(type, kind), channel), `${type} ${kind}`).toStrictEqual(full)
      }
    }
    // The keep-alives and empty results are among them.
    expect(accepted).toBeGreaterThan(5)
    expect(decode(compact('session-keep-alive', 'request'), 'finder')).toStrictEqual({
      v: 1,
      kind: 'request',
      type: 'session-keep-alive',
      id: 'k42',
    })
  })

  it('refuses the shape for a message that needs a body, or a bad id or version', () => {
    expect(thrown(() => decode(compact('peer-location-find', 'request'), 'finder'))).toMatchObject({
      code: 'ERR_BAD_MESSAGE',
      id: 'k42',
    })
    expect(thrown(() => decode(compact('session-keep-alive', 'request'), 'peer'))).toMatchObject({
      code: 'ERR_BAD_MESSAGE',
    })
    const badId = '{"v":1,"kind":"request","type":"session-keep-alive","id":"a.b"}'
    expect(thrown(() => decode(badId, 'finder'))).toMatchObject({ code: 'ERR_BAD_MESSAGE' })
    const v2 = '{"v":2,"kind":"request","type":"session-keep-alive","id":"k1"}'
    expect(thrown(() => decode(v2, 'finder'))).toMatchObject({ code: 'ERR_VERSION' })
  })
})

describe('decode: torrent messages', () => {
  const offer = (body: object): string =>
    JSON.stringify({ v: 1, kind: 'notify', type: 'torrent-offer', id: 'o-1', ...body })
  const wire = (body: object): string =>
    JSON.stringify({ v: 1, kind: 'request', type: 'torrent-wire', id: 'w-1', ...body })

  it('accept a 0-byte file card, a 255-character name and a 2000-character magnet', () => {
    expect(decode(offer({ ...TORRENT_OFFER, size: 0 }), 'peer')).toMatchObject({ size: 0 })
    const name = 'n'.repeat(255)
    expect(decode(offer({ ...TORRENT_OFFER, name }), 'peer')).toMatchObject({ name })
    const magnet = TORRENT_OFFER.magnet.padEnd(2000, 'x')
    expect(decode(offer({ ...TORRENT_OFFER, magnet }), 'peer')).toMatchObject({ magnet })
    for (const channel of [64, 1023]) {
      expect(decode(wire({ infoHash: INFO_HASH, channel }), 'peer')).toMatchObject({ channel })
    }
  })

  it.each([
    ['an upper-case infohash', { infoHash: INFO_HASH.toUpperCase() }],
    ['a short infohash', { infoHash: INFO_HASH.slice(1) }],
    ['an empty name', { name: '' }],
    ['a 256-character name', { name: 'n'.repeat(256) }],
    ['a negative size', { size: -1 }],
    ['a fractional size', { size: 1.5 }],
    ['a size as a string', { size: '1024' }],
    ['a 101-character mime', { mime: 'x'.repeat(101) }],
    ['a magnet over 2000 characters', { magnet: TORRENT_OFFER.magnet.padEnd(2001, 'x') }],
    ['a link that is not a magnet', { magnet: `https://x.test/?xt=urn:btih:${INFO_HASH}` }],
    ['a magnet for another infohash', { magnet: TORRENT_OFFER.magnet.replace('012', 'fff') }],
    ['a missing mime', { mime: undefined }],
  ])('refuse a torrent-offer with %s', (_, change) => {
    expectBad(offer({ ...TORRENT_OFFER, ...change }), 'peer', 'o-1')
  })

  it.each([
    ['channel 63 (simple-peer range)', { channel: 63 }],
    ['channel 1024 (over Chromium streams)', { channel: 1024 }],
    ['a fractional channel', { channel: 64.5 }],
    ['a channel label instead of an id', { channel: 'torrent:01234567' }],
    ['no infohash', { infoHash: undefined }],
  ])('refuse a torrent-wire request with %s', (_, change) => {
    expectBad(wire({ infoHash: INFO_HASH, channel: 64, ...change }), 'peer', 'w-1')
  })

  it('refuse a torrent-wire result that carries data', () => {
    const text = JSON.stringify({
      v: 1,
      kind: 'result',
      type: 'torrent-wire',
      id: 'w-1',
      channel: 64,
    })
    expectBad(text, 'peer', 'w-1')
  })
})

describe('decode: rejections', () => {
  const id = 'abc123'

  it.each(['', '{', 'hello', '{"v":1,}', "{'v':1}", 'undefined'])('refuses non-JSON %j', (text) => {
    expectBad(text, 'finder')
    expectBad(text, 'peer')
  })

  it.each([
    '[]',
    '[{"v":1,"kind":"request","type":"peer-keep-alive","id":"a"}]',
    'null',
    '42',
    '"x"',
    'true',
  ])('refuses the JSON non-object %s', (text) => {
    expectBad(text, 'peer')
  })

  it('refuses frames that are neither text nor bytes', () => {
    for (const raw of [42, null, undefined, {}, new Uint16Array([123, 125])]) expectBad(raw, 'peer')
  })

  it('refuses a frame without a version as malformed (400), naming the message', () => {
    const e = thrown(() =>
      decode(JSON.stringify({ kind: 'request', type: 'peer-keep-alive', id }), 'peer'),
    )
    expect(e).toMatchObject({ code: 'ERR_BAD_MESSAGE', status: 400, id })
  })

  it('refuses version 2 with ERR_VERSION (426), naming the message', () => {
    const e = thrown(() =>
      decode(JSON.stringify({ v: 2, kind: 'request', type: 'peer-keep-alive', id }), 'peer'),
    )
    expect(e).toMatchObject({ code: 'ERR_VERSION', status: 426, id })
    const anon = thrown(() =>
      decode('{"v":2,"kind":"request","type":"peer-keep-alive","id":"$$"}', 'peer'),
    )
    expect(anon).toMatchObject({ code: 'ERR_VERSION' })
    expect(anon.id).toBeUndefined()
  })

  it.each(['peer-teleport', 'error', 'toString', '__proto__', 'constructor', 'hasOwnProperty', ''])(
    'refuses the unknown request type %j',
    (type) => {
      expectBad(JSON.stringify({ v: 1, kind: 'request', type, id }), 'peer', id)
      expectBad(JSON.stringify({ v: 1, kind: 'request', type, id }), 'finder', id)
    },
  )

  it('refuses a type that is not a string, naming the message', () => {
    expectBad(JSON.stringify({ v: 1, kind: 'request', type: 7, id }), 'peer', id)
    expectBad(JSON.stringify({ v: 1, kind: 'request', id }), 'peer', id)
  })

  it('refuses an unknown kind', () => {
    expectBad(JSON.stringify({ v: 1, kind: 'event', type: 'peer-keep-alive', id }), 'peer', id)
    expectBad(JSON.stringify({ v: 1, type: 'peer-keep-alive', id }), 'peer', id)
  })

  it('refuses a missing or malformed id', () => {
    expectBad(JSON.stringify({ v: 1, kind: 'request', type: 'peer-keep-alive' }), 'peer')
    expectBad(JSON.stringify({ v: 1, kind: 'request', type: 'peer-keep-alive', id: 'a b' }), 'peer')
    expectBad(
      JSON.stringify({ v: 1, kind: 'request', type: 'peer-keep-alive', id: 'x'.repeat(65) }),
      'peer',
    )
    expectBad(JSON.stringify({ v: 1, kind: 'request', type: 'peer-keep-alive', id: 5 }), 'peer')
  })

  it('never throws anything but an OpenPeerError for values with hostile keys', () => {
    // String() of these throws a TypeError; the decoder must not.
    const hostile = [
      '{"v":{"toString":1}}',
      '{"v":[{"toString":1}]}',
      `{"v":${'['.repeat(6000)}${']'.repeat(6000)}}`,
      '{"v":1,"kind":"request","id":"abc","type":{"toString":1}}',
      '{"v":1,"kind":"request","id":"abc","type":[{"valueOf":1,"toString":1}]}',
      `{"v":1,"kind":"request","id":"abc","type":${'['.repeat(6000)}${']'.repeat(6000)}}`,
    ]
    for (const text of hostile) {
      let caught: unknown
      try {
        decode(text, 'finder')
      } catch (e) {
        caught = e
      }
      expect(caught, text.slice(0, 60)).toBeInstanceOf(OpenPeerError)
      expect(['ERR_BAD_MESSAGE', 'ERR_VERSION']).toContain((caught as OpenPeerError).code)
    }
  })

  it('refuses invalid UTF-8 even inside a string of an otherwise valid message', () => {
    const head = new TextEncoder().encode(
      '{"v":1,"kind":"notify","type":"session-close","id":"a","reason":"',
    )
    const bytes = new Uint8Array([...head, 0xff, 0x22, 0x7d])
    expectBad(bytes, 'peer')
  })

  it('refuses binary frames that are not UTF-8', () => {
    for (const bytes of [
      [0x7b, 0xff, 0x7d],
      [0x7b, 0x22, 0x80, 0x22, 0x7d],
      [0xc0, 0xaf],
      [0xed, 0xa0, 0x80],
      [0xf4, 0x90, 0x80, 0x80],
    ]) {
      expectBad(new Uint8Array(bytes), 'peer')
      expectBad(new Uint8Array(bytes).buffer, 'finder')
    }
  })

  it('refuses deep nesting unparsed, but not brackets inside strings', () => {
    const frame = (inner: string) =>
      `{"v":1,"kind":"request","type":"peer-file-get","id":"a","x":${inner}}`
    for (const deep of [
      '['.repeat(40) + ']'.repeat(40),
      '{"a":'.repeat(40) + '1' + '}'.repeat(40),
    ]) {
      expect(() => decode(frame(deep), 'finder')).toThrow(/nests too deep/)
    }
    // 40 brackets in a string (escaped quote and all) are only characters: the schema refuses
    // the extra field, not the depth.
    const quoted = JSON.stringify('\\"' + '['.repeat(40))
    expect(() => decode(frame(quoted), 'finder')).toThrow(/peer-file-get request/)
  })
})

describe('decode: frame limits', () => {
  it('are 16 KiB on the finder and 64 KiB on the peer channel', () => {
    expect(MAX_FRAME).toEqual({ finder: 16 * 1024, peer: 64 * 1024 })
  })

  it.each(CHANNELS)(
    'accepts exactly the limit on the %s channel and refuses one byte more (413)',
    (channel) => {
      const m =
        channel === 'finder'
          ? sample('session-keep-alive', 'request')
          : sample('peer-keep-alive', 'request')
      const text = JSON.stringify(m)
      expect(decode(padTo(text, MAX_FRAME[channel]), channel)).toEqual(m)
      expect(decode(Buffer.from(padTo(text, MAX_FRAME[channel])), channel)).toEqual(m)
      for (const raw of [
        padTo(text, MAX_FRAME[channel] + 1),
        Buffer.from(padTo(text, MAX_FRAME[channel] + 1)),
      ]) {
        expect(thrown(() => decode(raw, channel))).toMatchObject({
          code: 'ERR_TOO_LARGE',
          status: 413,
        })
      }
    },
  )

  it('a frame too big for the finder is fine on the peer channel', () => {
    const m = sample('session-close', 'notify')
    expect(decode(padTo(JSON.stringify(m), 20_000), 'peer')).toEqual(m)
    expect(thrown(() => decode(padTo(JSON.stringify(m), 20_000), 'finder'))).toMatchObject({
      code: 'ERR_TOO_LARGE',
    })
  })

  it('counts UTF-8 bytes, not characters', () => {
    // 6 000 characters, 18 000 bytes
    const text = JSON.stringify({
      v: 1,
      kind: 'notify',
      type: 'session-close',
      id: 'a',
      reason: '€'.repeat(6000),
    })
    expect(thrown(() => decode(text, 'finder'))).toMatchObject({ code: 'ERR_TOO_LARGE' })
    const big = JSON.stringify({ x: '€'.repeat(22_000) })
    expect(thrown(() => decode(big, 'peer'))).toMatchObject({ code: 'ERR_TOO_LARGE' })
  })
})

describe('error results', () => {
  it('decode with their code and reason, for a catalogue type or "error"', () => {
    const error = { code: 404, reason: 'ERR_NOT_FOUND: never registered' }
    for (const type of ['peer-file-get', 'error']) {
      const m = { v: 1, kind: 'result', type, id: 'req-1', error }
      expect(decode(JSON.stringify(m), 'finder')).toEqual(m)
    }
  })

  it('round trip from an OpenPeerError to the same code on the other side', () => {
    const sent = errorResult(
      'peer-identify',
      'req-9',
      new OpenPeerError('ERR_FINGERPRINT', 'mismatch'),
    )
    const got = decode(encode(sent, 'peer'), 'peer')
    expect(got).toEqual(sent)
    if (!('error' in got)) throw new Error('not an error result')
    const e = OpenPeerError.fromWire(got.error)
    expect(e.code).toBe('ERR_FINGERPRINT')
    expect(e.status).toBe(401)
  })

  it('refuse a malformed error', () => {
    const base = { v: 1, kind: 'result', type: 'peer-file-get', id: 'req-1' }
    for (const error of [
      { code: 200, reason: 'ok' },
      { code: 404 },
      { code: '404', reason: 'x' },
      { code: 404, reason: 'x', extra: 1 },
      { code: 404, reason: 'x'.repeat(501) },
      null,
      'ERR_NOT_FOUND',
    ]) {
      expectBad(JSON.stringify({ ...base, error }), 'finder', 'req-1')
    }
    expectBad(
      JSON.stringify({ ...base, error: { code: 404, reason: 'x' }, peer: {} }),
      'finder',
      'req-1',
    )
    expectBad(
      JSON.stringify({ ...base, type: 'nope', error: { code: 404, reason: 'x' } }),
      'finder',
      'req-1',
    )
  })
})

describe('encode', () => {
  it('refuses a message the other side would refuse as too large', () => {
    const signal = {
      v: 1,
      kind: 'notify',
      type: 'session-signal',
      id: 'a',
      signal: { sdp: 'é'.repeat(40_000) },
    }
    expect(thrown(() => encode(signal as WireMessage, 'peer'))).toMatchObject({
      code: 'ERR_TOO_LARGE',
      status: 413,
    })
    const m = sample('session-create', 'request') as Msg & {
      proof: { location: { label: string } }
    }
    const big = { ...m, padding: 'x'.repeat(MAX_FRAME.finder) }
    expect(thrown(() => encode(big as unknown as WireMessage, 'finder'))).toMatchObject({
      code: 'ERR_TOO_LARGE',
    })
    expect(encode(big as unknown as WireMessage, 'peer')).toContain('padding')
  })
})

describe('decode fuzz', () => {
  const ALLOWED: readonly ErrorCode[] = ['ERR_BAD_MESSAGE', 'ERR_TOO_LARGE', 'ERR_VERSION']

  function decodesOrRefuses(raw: unknown, channel: Channel): void {
    try {
      const m = decode(raw, channel)
      expect(m.v).toBe(1)
    } catch (e) {
      if (!isOpenPeerError(e) || !ALLOWED.includes(e.code)) throw e
    }
  }

  const hostileKey = fc.constantFrom(
    'toString',
    'valueOf',
    '__proto__',
    'constructor',
    'toJSON',
    'v',
    'id',
    'sig',
  )
  const json: fc.Arbitrary<unknown> = fc.oneof(
    { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
    {
      weight: 1,
      arbitrary: fc.dictionary(hostileKey, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
    },
    {
      weight: 1,
      arbitrary: fc.array(fc.dictionary(hostileKey, fc.jsonValue({ maxDepth: 1 })), {
        maxLength: 2,
      }),
    },
  )
  const channel = fc.constantFrom(...CHANNELS)

  it('survives arbitrary strings and bytes', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 200 }), utf16Units(200), fc.uint8Array({ maxLength: 200 })),
        channel,
        (raw, ch) => decodesOrRefuses(raw, ch),
      ),
      { numRuns: 1000 },
    )
  })

  it('survives arbitrary JSON values and envelopes', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          json,
          fc.record(
            {
              v: fc.oneof(fc.constant(1), json),
              kind: fc.oneof(fc.constantFrom(...KINDS), json),
              type: fc.oneof(fc.constantFrom(...Object.keys(CATALOGUE), 'error', 'toString'), json),
              id: fc.oneof(fc.constant('abc'), json),
              error: json,
              proof: json,
            },
            { requiredKeys: [] },
          ),
        ),
        channel,
        (value, ch) => decodesOrRefuses(JSON.stringify(value), ch),
      ),
      { numRuns: 1000 },
    )
  })

  /** Every path to a property in `value` (objects only; array elements count as properties). */
  function paths(value: unknown, prefix: string[] = []): string[][] {
    if (value === null || typeof value !== 'object') return []
    return Object.entries(value).flatMap(([k, v]) => [[...prefix, k], ...paths(v, [...prefix, k])])
  }

  function containers(value: unknown, prefix: string[] = []): string[][] {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return []
    return [prefix, ...Object.entries(value).flatMap(([k, v]) => containers(v, [...prefix, k]))]
  }

  function at(root: unknown, path: string[]): Record<string, unknown> {
    let node = root as Record<string, unknown>
    for (const k of path) node = node[k] as Record<string, unknown>
    return node
  }

  it('survives valid messages with a field dropped, replaced or added', () => {
    const mutation = fc.record({
      pair: fc.nat(PAIRS.length - 1),
      op: fc.constantFrom('drop', 'replace', 'add'),
      where: fc.nat(),
      key: fc.oneof(fc.string({ maxLength: 10 }), hostileKey),
      value: json,
      channel,
    })
    fc.assert(
      fc.property(mutation, ({ pair, op, where, key, value, channel: ch }) => {
        const { type, kind } = PAIRS[pair] as (typeof PAIRS)[number]
        const m: unknown = sample(type, kind)
        if (op === 'add') {
          const all = containers(m)
          const target = at(m, all[where % all.length] as string[])
          Object.defineProperty(target, key, {
            value,
            enumerable: true,
            configurable: true,
            writable: true,
          })
        } else {
          const all = paths(m)
          const path = all[where % all.length] as string[]
          const parent = at(m, path.slice(0, -1))
          const last = path[path.length - 1] as string
          if (op === 'drop') delete parent[last]
          else parent[last] = value
        }
        decodesOrRefuses(JSON.stringify(m), ch)
      }),
      { numRuns: 1000 },
    )
  })
})
