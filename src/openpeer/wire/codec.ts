import { OpenPeerError } from '../errors.ts'
import {
  CATALOGUE,
  type Channel,
  type Kind,
  type MessageType,
  type WireMessage,
} from './messages.ts'
import { errorSchema, idSchema } from './schemas.ts'

/** Frame limits every side enforces (PROTOCOL §8). */
export const MAX_FRAME = { finder: 16 * 1024, peer: 64 * 1024 } as const

const KINDS: ReadonlySet<string> = new Set(['request', 'result', 'notify'])
const textDecoder = new TextDecoder('utf-8', { fatal: true })
const textEncoder = new TextEncoder()

function byteLength(text: string): number {
  // Cheap upper bound first: a UTF-16 unit is at most 3 UTF-8 bytes.
  return text.length * 3 <= MAX_FRAME.finder ? text.length : textEncoder.encode(text).length
}

function bad(message: string, id?: string): OpenPeerError & { messageId?: string } {
  const e = new OpenPeerError('ERR_BAD_MESSAGE', message) as OpenPeerError & { messageId?: string }
  if (id !== undefined) e.messageId = id
  return e
}

/**
 * THE decoder: every frame that crosses a boundary goes through here once. It never throws
 * anything but an OpenPeerError (400 bad message, 413 too large, 426 version), whose optional
 * `messageId` tells the receiver which request to answer with the error.
 */
export function decode(raw: unknown, channel: Channel): WireMessage {
  let text: string
  if (typeof raw === 'string') text = raw
  else if (raw instanceof Uint8Array || raw instanceof ArrayBuffer) {
    const bytes = raw instanceof Uint8Array ? raw : new Uint8Array(raw)
    if (bytes.length > MAX_FRAME[channel])
      throw new OpenPeerError('ERR_TOO_LARGE', `frame over ${MAX_FRAME[channel]} bytes`)
    try {
      text = textDecoder.decode(bytes)
    } catch {
      throw bad('frame is not UTF-8')
    }
  } else throw bad('frame is not text')

  if (byteLength(text) > MAX_FRAME[channel]) {
    throw new OpenPeerError('ERR_TOO_LARGE', `frame over ${MAX_FRAME[channel]} bytes`)
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw bad('frame is not JSON')
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw bad('frame is not a JSON object')
  const { v, kind, type, id, ...body } = value as Record<string, unknown>
  const idOk = idSchema.safeParse(id).success
  const messageId = idOk ? (id as string) : undefined
  // No version at all is a malformed frame; another version is one we do not speak.
  if (v === undefined) throw bad('v (the protocol version) is missing', messageId)
  if (v !== 1) {
    const e = new OpenPeerError(
      'ERR_VERSION',
      `version ${typeof v === 'object' && v !== null ? typeof v : String(v).slice(0, 20)} is not supported (this side speaks 1)`,
    )
    throw Object.assign(e, { messageId })
  }
  if (typeof kind !== 'string' || !KINDS.has(kind))
    throw bad('kind must be request, result or notify', messageId)
  if (!idOk) throw bad('id is missing or malformed')
  if (kind === 'result' && 'error' in body) {
    const parsed = errorSchema.safeParse(body.error)
    if (!parsed.success || Object.keys(body).length !== 1)
      throw bad('malformed error result', messageId)
    if (typeof type !== 'string' || (type !== 'error' && !Object.hasOwn(CATALOGUE, type))) {
      throw bad('unknown type', messageId)
    }
    return {
      v: 1,
      kind: 'result',
      type: type as MessageType | 'error',
      id: id as string,
      error: parsed.data,
    }
  }
  if (typeof type !== 'string' || !Object.hasOwn(CATALOGUE, type)) {
    throw bad(
      `unknown type ${JSON.stringify(typeof type === 'string' ? type.slice(0, 40) : typeof type)}`,
      messageId,
    )
  }
  const entry = CATALOGUE[type as MessageType] as {
    channels: readonly Channel[]
  } & Partial<Record<Kind, import('zod').ZodType>>
  if (!entry.channels.includes(channel))
    throw bad(`${type} is not allowed on the ${channel} channel`, messageId)
  const schema = entry[kind as Kind]
  if (!schema) throw bad(`${type} has no ${kind}`, messageId)
  const parsed = schema.safeParse(body)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const where = issue?.path.join('.') || 'body'
    throw bad(`${type} ${kind}: ${where}: ${issue?.message ?? 'invalid'}`.slice(0, 300), messageId)
  }
  return { v: 1, kind, type, id, ...(parsed.data as object) } as WireMessage
}

/** Serialises a message; refuses to send what the other side would refuse to read. */
export function encode(message: WireMessage, channel: Channel): string {
  const text = JSON.stringify(message)
  if (textEncoder.encode(text).length > MAX_FRAME[channel]) {
    throw new OpenPeerError('ERR_TOO_LARGE', `${message.type} is over ${MAX_FRAME[channel]} bytes`)
  }
  return text
}

export function errorResult(
  type: MessageType | 'error',
  id: string,
  error: OpenPeerError,
): WireMessage {
  return { v: 1, kind: 'result', type, id, error: error.toWire() }
}
