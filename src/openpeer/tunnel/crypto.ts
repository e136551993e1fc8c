import { OpenPeerError } from '../errors.ts'
import { fromBase64Url, toBase64Url, toHex, sha256, utf8 } from '../identity/encoding.ts'

/*
 * End-to-end protection of the relay tunnel (PROTOCOL §5.7). The relay pairs two sockets and
 * forwards opaque frames; what it forwards is sealed here. Each side makes an ephemeral P-256 key
 * and sends its public half inside the find exchange's signed, sealed signals, so the relay
 * cannot substitute its own. ECDH of the two → HKDF-SHA-256 (salt: the find context, info: the
 * direction) → one AES-256-GCM key per direction. Every frame's IV is its sequence number: the
 * receiver accepts only the next one, so a replayed, dropped or reordered frame breaks the
 * tunnel instead of slipping through.
 */

const ECDH = { name: 'ECDH', namedCurve: 'P-256' } as const

export interface TunnelKeyPair {
  privateKey: CryptoKey
  /** raw uncompressed public point, base64url: travels in the signed signal */
  publicKey: string
}

export async function newTunnelKey(): Promise<TunnelKeyPair> {
  const pair = await crypto.subtle.generateKey(ECDH, false, ['deriveBits'])
  const raw = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey))
  return { privateKey: pair.privateKey, publicKey: toBase64Url(raw) }
}

/**
 * What stands for a DTLS fingerprint on a tunnel: SHA-256 of a side's tunnel public key, in the
 * fingerprint form peer-identify signs. Identify's mirrored-fingerprint check thus binds the
 * identities to these very tunnel keys, as it binds them to the DTLS certificates on WebRTC.
 */
export async function tunnelFingerprint(publicKey: string): Promise<string> {
  const digest = toHex(await sha256(fromBase64Url(publicKey))).toUpperCase()
  return `sha-256 ${digest.match(/../g)?.join(':') ?? ''}`
}

export interface TunnelCipher {
  seal(plain: Uint8Array): Promise<Uint8Array>
  open(frame: Uint8Array): Promise<Uint8Array>
}

/**
 * The two directional keys of one tunnel. `role` says which direction is ours: the find's
 * initiator sends with the "i2t" key and reads with "t2i"; the target the other way round.
 * Frames are numbered in the order `seal` and `open` are called: seal in the order frames go
 * out, open in the order they arrived.
 */
export async function tunnelCipher(
  mine: TunnelKeyPair,
  theirs: string,
  context: string,
  role: 'initiator' | 'target',
): Promise<TunnelCipher> {
  let peer: CryptoKey
  try {
    peer = await crypto.subtle.importKey('raw', fromBase64Url(theirs), ECDH, false, [])
  } catch (cause) {
    throw new OpenPeerError('ERR_BAD_MESSAGE', 'the tunnel key is not a P-256 point', { cause })
  }
  const shared = await crypto.subtle.deriveBits(
    { name: 'ECDH', public: peer },
    mine.privateKey,
    256,
  )
  const hkdf = await crypto.subtle.importKey('raw', shared, 'HKDF', false, ['deriveKey'])
  const key = (direction: string): Promise<CryptoKey> =>
    crypto.subtle.deriveKey(
      {
        name: 'HKDF',
        hash: 'SHA-256',
        salt: utf8(context),
        info: utf8(`opw1 tunnel ${direction}`),
      },
      hkdf,
      { name: 'AES-GCM', length: 256 },
      false,
      ['encrypt', 'decrypt'],
    )
  const [i2t, t2i] = await Promise.all([key('i2t'), key('t2i')])
  const send = role === 'initiator' ? i2t : t2i
  const receive = role === 'initiator' ? t2i : i2t
  let sent = 0n
  let expected = 0n
  return {
    async seal(plain) {
      const iv = ivOf(sent)
      sent += 1n
      return new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, send, copy(plain)))
    },
    async open(frame) {
      // Numbered on arrival, so frames may be opened concurrently and still each get its own.
      const seq = expected
      expected += 1n
      let plain: ArrayBuffer
      try {
        plain = await crypto.subtle.decrypt(
          { name: 'AES-GCM', iv: ivOf(seq) },
          receive,
          copy(frame),
        )
      } catch (cause) {
        // Tampered, replayed, reordered or dropped: the sequence no longer matches.
        throw new OpenPeerError('ERR_SEAL', `tunnel frame ${seq} does not open`, { cause })
      }
      return new Uint8Array(plain)
    },
  }
}

/** The 96-bit GCM IV: the frame's sequence number, big-endian. Never repeats under one key. */
function ivOf(seq: bigint): Uint8Array<ArrayBuffer> {
  const iv = new Uint8Array(12)
  new DataView(iv.buffer).setBigUint64(4, seq)
  return iv
}

function copy(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer &&
    bytes.byteOffset === 0 &&
    bytes.byteLength === bytes.buffer.byteLength
    ? (bytes as Uint8Array<ArrayBuffer>)
    : new Uint8Array(bytes)
}
