import { OpenPeerError, type ErrorCode } from '../errors.ts'
import {
  CATALOGUE,
  empty,
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

/**
 * zod compiles an object schema's parser (`new Function`) the first time it parses: 1–4 ms a
 * message type in a fresh process, against 0.1–0.7 ms parsed without it; after that a message
 * takes ~0.1–0.15 ms compiled and ~0.15–0.3 ms interpreted (Node, the catalogue's connect-path
 * messages; docs/performance.md). The finder parses a few types all day and keeps compiling; a
 * page meets each type's first message on someone's connect path and decodes a few a second,
 * so the app turns it off (`compileParsers(false)`, src/client.ts).
 */
let parseOptions: { jitless: true } | undefined

/** Whether zod compiles the schemas' parsers on first use (the default) or interprets them. */
export function compileParsers(on: boolean): void {
  parseOptions = on ? undefined : { jitless: true }
}

/** True when `text` is over `max` bytes as UTF-8. */
function longerThan(text: string, max: number): boolean {
  // Cheap bounds first, no copy: a UTF-16 unit is one to three UTF-8 bytes.
  if (text.length > max) return true
  if (text.length * 3 <= max) return false
  return textEncoder.encode(text).length > max
}

/** What could be read of a frame's envelope before it failed: enough to answer it. */
export interface Envelope {
  kind?: Kind | undefined
  /** a catalogue type, or 'error' when the type is unknown or unreadable */
  type: MessageType | 'error'
  id?: string | undefined
}

/**
 * The one error `decode` throws: a coded OpenPeerError (400, 413, 426) that also carries the
 * envelope as far as it could be read, so every receiver can answer the right request (or know
 * not to answer a result) without parsing the frame a second time.
 */
export class WireError extends OpenPeerError {
  readonly kind: Kind | undefined
  readonly type: MessageType | 'error'
  readonly id: string | undefined
  constructor(code: ErrorCode, message: string, envelope: Envelope = { type: 'error' }) {
    super(code, message)
    this.name = 'WireError'
    this.kind = envelope.kind
    this.type = envelope.type
    this.id = envelope.id
  }
}

const HEAD = 512
const looseDecoder = new TextDecoder('utf-8')
const headField = (name: string) => new RegExp(`"${name}"\\s*:\\s*"([^"\\\\]{1,64})"`)
const HEAD_KIND = headField('kind')
const HEAD_TYPE = headField('type')
const HEAD_ID = headField('id')

/**
 * The envelope from a glance at the frame's first bytes, without parsing it: enough to answer
 * a frame refused for the rate ("slow down") for less than the frame cost to send. Senders
 * that put `kind`, `type` and `id` first (this library does) get their id back; for others the
 * answer has none, as for any frame without a usable id.
 */
export function glance(raw: unknown): Envelope {
  let head: string
  if (typeof raw === 'string') head = raw.slice(0, HEAD)
  else if (raw instanceof Uint8Array) head = looseDecoder.decode(raw.subarray(0, HEAD))
  else return { type: 'error' }
  const kind = HEAD_KIND.exec(head)?.[1]
  const type = HEAD_TYPE.exec(head)?.[1]
  const id = HEAD_ID.exec(head)?.[1]
  return {
    kind: kind !== undefined && KINDS.has(kind) ? (kind as Kind) : undefined,
    type: isKnownType(type) ? type : 'error',
    id: idSchema.safeParse(id).success ? id : undefined,
  }
}

/** Deeper than any message in the catalogue (about 6) by a wide margin. */
export const MAX_DEPTH = 32

/** True when `text` opens more than `max` arrays or objects at once (outside strings). */
export function nestsDeeperThan(text: string, max: number): boolean {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 0x5c)
        i++ // backslash: skip the escaped character
      else if (c === 0x22) inString = false
    } else if (c === 0x22) inString = true
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true
    } else if (c === 0x5d || c === 0x7d) depth--
  }
  return false
}

/** A catalogue entry, read as what decode asks of it: its channels and each kind's schema. */
const entryOf = (type: MessageType) =>
  CATALOGUE[type] as { channels: readonly Channel[] } & Partial<Record<Kind, import('zod').ZodType>>

function isKnownType(type: unknown): type is MessageType {
  return typeof type === 'string' && Object.hasOwn(CATALOGUE, type)
}

/**
 * A message with no body exactly as encode() writes it — every client's keep-alive, 1 267 a
 * second at a finder with 19 000 clients — is recognised by its shape, without JSON.parse and
 * zod: the same message the full path returns, for a fraction of its garbage (the young
 * generation's collections are most of a loaded finder's latency tail, docs/performance.md).
 * Anything else, or a type whose body is not empty, takes the full path.
 */
const BARE =
  /^\{"v":1,"kind":"(request|result|notify)","type":"([a-z-]{1,64})","id":"([A-Za-z0-9_-]{1,64})"\}$/

function bareMessage(text: string, channel: Channel): WireMessage | undefined {
  const match = BARE.exec(text)
  if (!match) return undefined
  const [, kind, type, id] = match as unknown as [string, Kind, string, string]
  if (!isKnownType(type)) return undefined
  const entry = entryOf(type)
  if (entry[kind] !== empty || !entry.channels.includes(channel)) return undefined
  return { v: 1, kind, type, id } as WireMessage
}

/**
 * THE decoder: every frame that crosses a boundary goes through here once. It never throws
 * anything but a WireError (400 bad message, 413 too large, 426 version) naming what it could
 * read of the envelope.
 */
export function decode(raw: unknown, channel: Channel): WireMessage {
  const tooLarge = (): WireError =>
    new WireError('ERR_TOO_LARGE', `frame over ${MAX_FRAME[channel]} bytes`)
  let text: string
  if (typeof raw === 'string') text = raw
  else if (raw instanceof Uint8Array || raw instanceof ArrayBuffer) {
    const bytes = raw instanceof Uint8Array ? raw : new Uint8Array(raw)
    if (bytes.length > MAX_FRAME[channel]) throw tooLarge()
    try {
      text = textDecoder.decode(bytes)
    } catch {
      throw new WireError('ERR_BAD_MESSAGE', 'frame is not UTF-8')
    }
  } else throw new WireError('ERR_BAD_MESSAGE', 'frame is not text')

  if (longerThan(text, MAX_FRAME[channel])) throw tooLarge()
  const bare = bareMessage(text, channel)
  if (bare) return bare
  // JSON.parse of 16 KiB of "[[[[…" takes a millisecond, 50× a real frame: refused unparsed.
  if (nestsDeeperThan(text, MAX_DEPTH))
    throw new WireError('ERR_BAD_MESSAGE', 'frame nests too deep')
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw new WireError('ERR_BAD_MESSAGE', 'frame is not JSON')
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new WireError('ERR_BAD_MESSAGE', 'frame is not a JSON object')
  const { v, kind, type, id, ...body } = value as Record<string, unknown>
  const envelope: Envelope = {
    kind: typeof kind === 'string' && KINDS.has(kind) ? (kind as Kind) : undefined,
    type: isKnownType(type) ? type : 'error',
    id: idSchema.safeParse(id).success ? (id as string) : undefined,
  }
  const bad = (message: string): WireError => new WireError('ERR_BAD_MESSAGE', message, envelope)
  // No version at all is a malformed frame; another version is one we do not speak.
  if (v === undefined) throw bad('v (the protocol version) is missing')
  if (v !== 1) {
    const shown = typeof v === 'object' && v !== null ? typeof v : String(v).slice(0, 20)
    throw new WireError(
      'ERR_VERSION',
      `version ${shown} is not supported (this side speaks 1)`,
      envelope,
    )
  }
  if (!envelope.kind) throw bad('kind must be request, result or notify')
  if (envelope.id === undefined) throw bad('id is missing or malformed')
  if (kind === 'result' && 'error' in body) {
    const parsed = errorSchema.safeParse(body.error)
    if (!parsed.success || Object.keys(body).length !== 1) throw bad('malformed error result')
    if (type !== 'error' && !isKnownType(type)) throw bad('unknown type')
    return { v: 1, kind: 'result', type: envelope.type, id: envelope.id, error: parsed.data }
  }
  if (!isKnownType(type)) {
    throw bad(
      `unknown type ${JSON.stringify(typeof type === 'string' ? type.slice(0, 40) : typeof type)}`,
    )
  }
  const entry = entryOf(type)
  if (!entry.channels.includes(channel))
    throw bad(`${type} is not allowed on the ${channel} channel`)
  const schema = entry[envelope.kind]
  if (!schema) throw bad(`${type} has no ${envelope.kind}`)
  const parsed = schema.safeParse(body, parseOptions)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const where = issue?.path.join('.') || 'body'
    throw bad(`${type} ${envelope.kind}: ${where}: ${issue?.message ?? 'invalid'}`.slice(0, 300))
  }
  return { v: 1, kind, type, id, ...(parsed.data as object) } as WireMessage
}

/** Serialises a message; refuses to send what the other side would refuse to read. */
export function encode(message: WireMessage, channel: Channel): string {
  const text = JSON.stringify(message)
  // Every frame sent passes here: no UTF-8 copy of it for the common short one.
  if (longerThan(text, MAX_FRAME[channel])) {
    throw new OpenPeerError('ERR_TOO_LARGE', `${message.type} is over ${MAX_FRAME[channel]} bytes`)
  }
  return text
}

/** The error schema caps reasons; a longer one would make the answer itself malformed. */
const MAX_REASON = 500

export function errorResult(
  type: MessageType | 'error',
  id: string,
  error: OpenPeerError,
): WireMessage {
  const wire = error.toWire()
  return {
    v: 1,
    kind: 'result',
    type,
    id,
    error: { ...wire, reason: wire.reason.slice(0, MAX_REASON) },
  }
}
