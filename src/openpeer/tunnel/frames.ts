import { OpenPeerError } from '../errors.ts'

/*
 * What travels inside the tunnel, before sealing: one frame per message of one stream. Stream 0
 * is the control channel (what simple-peer's datachannel carries on WebRTC); every other stream
 * is a negotiated bulk channel with the same id both sides agreed on. Layout:
 * [kind: u8][stream: u16 big-endian][payload].
 */

export const CONTROL_STREAM = 0

export const FrameKind = { text: 0, binary: 1, close: 2 } as const
export type FrameKind = (typeof FrameKind)[keyof typeof FrameKind]

export interface TunnelFrame {
  kind: FrameKind
  stream: number
  payload: Uint8Array
}

const HEADER = 3
const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

export function encodeFrame(
  kind: FrameKind,
  stream: number,
  data?: string | Uint8Array,
): Uint8Array {
  const payload =
    data === undefined ? new Uint8Array(0) : typeof data === 'string' ? encoder.encode(data) : data
  const frame = new Uint8Array(HEADER + payload.byteLength)
  frame[0] = kind
  new DataView(frame.buffer).setUint16(1, stream)
  frame.set(payload, HEADER)
  return frame
}

export function decodeFrame(bytes: Uint8Array): TunnelFrame {
  if (bytes.byteLength < HEADER)
    throw new OpenPeerError('ERR_BAD_MESSAGE', 'tunnel frame too short')
  const kind = bytes[0] as FrameKind
  if (kind !== FrameKind.text && kind !== FrameKind.binary && kind !== FrameKind.close) {
    throw new OpenPeerError('ERR_BAD_MESSAGE', `unknown tunnel frame kind ${kind}`)
  }
  const stream = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint16(1)
  return { kind, stream, payload: bytes.subarray(HEADER) }
}

export function frameText(frame: TunnelFrame): string {
  try {
    return decoder.decode(frame.payload)
  } catch {
    throw new OpenPeerError('ERR_BAD_MESSAGE', 'tunnel text frame is not UTF-8')
  }
}
