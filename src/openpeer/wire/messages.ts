import { z } from 'zod'
import {
  errorSchema,
  findProofSchema,
  findReplyProofSchema,
  identifyProofSchema,
  identifyResultProofSchema,
  idSchema,
  peerFileSchema,
  relayToken,
  sectionASchema,
  sectionBSchema,
  sectionCSchema,
  sessionProofSchema,
  signalDataSchema,
  signalProofSchema,
  threadMessageProofSchema,
  torrentOfferSchema,
  torrentWireSchema,
  turnGrantSchema,
} from './schemas.ts'

/** Where a message may travel: the finder WebSocket, or a peer session's control channel. */
export type Channel = 'finder' | 'peer'

/**
 * Where a finder's relay tunnel listens: beside its finder socket, same host and port, so a
 * network that lets the finder through lets the tunnel through (PROTOCOL §5.7).
 */
export const RELAY_PATH = '/relay'

/** The body of a message that carries none (decode's fast path knows it by identity). */
export const empty = z.strictObject({})
const hex64 = z.string().regex(/^[0-9a-f]{64}$/)
const time = z.number().int().nonnegative()
const deviceNonce = z.string().regex(/^[A-Za-z0-9_-]{22}$/)

/** A device transfer is cut into parts that fit the 64 KiB control channel with room to spare. */
export const DEVICE_PART_MAX = 48_000
/** 512 parts of 48 000 characters: ~24 MB of identity, contacts and history, at most */
export const DEVICE_PARTS_MAX = 512

/**
 * The message catalogue (PROTOCOL §8): for each type, the channels it may use and the body of
 * each kind it comes in. A kind that is absent is rejected for that type.
 */
export const CATALOGUE = {
  'session-create': {
    channels: ['finder'],
    request: z.strictObject({ proof: sessionProofSchema }),
    result: z.strictObject({ expires: time, location: idSchema, turn: turnGrantSchema.optional() }),
  },
  'session-keep-alive': {
    channels: ['finder'],
    request: empty,
    result: z.strictObject({ expires: time }),
  },
  'session-delete': { channels: ['finder'], request: empty, result: empty },
  'peer-file-get': {
    channels: ['finder'],
    request: z.strictObject({ contactId: hex64 }),
    result: z.strictObject({ peer: z.strictObject({ A: sectionASchema }) }),
  },
  // A find and its signalling travel a finder's socket, or a mutual contact's sessions (an
  // introduction, PROTOCOL §5.6): the same signed, sealed objects either way.
  'peer-location-find': {
    channels: ['finder', 'peer'],
    request: z.strictObject({ proof: findProofSchema }),
    result: z.strictObject({
      locations: z.number().int().min(0).max(16),
      /**
       * the locations the find went to (a finder's; older ones say only how many): with one,
       * the initiator sends its candidates at once (docs/protocol.md, "Who offers")
       */
      to: z.array(idSchema).max(16).optional(),
    }),
    notify: z.strictObject({ proof: findReplyProofSchema }),
  },
  'peer-location-signal': {
    channels: ['finder', 'peer'],
    notify: z.strictObject({ proof: signalProofSchema }),
  },
  /** a relay tunnel for the find exchange `context`: a token for each side (PROTOCOL §5.7) */
  'relay-open': {
    channels: ['finder'],
    request: z.strictObject({ context: idSchema }),
    result: z.strictObject({ token: relayToken, peerToken: relayToken, expires: time }),
  },
  'peer-identify': {
    channels: ['peer'],
    request: z.strictObject({ proof: identifyProofSchema }),
    result: z.strictObject({ proof: identifyResultProofSchema }),
  },
  'peer-keep-alive': { channels: ['peer'], request: empty, result: empty },
  'session-signal': {
    channels: ['peer'],
    notify: z.strictObject({ signal: signalDataSchema }),
  },
  'session-close': {
    channels: ['peer'],
    notify: z.strictObject({ reason: z.string().max(200) }),
  },
  'peer-file-update': {
    channels: ['peer'],
    notify: z.strictObject({
      peer: z.strictObject({ B: sectionBSchema.optional(), C: sectionCSchema.optional() }),
    }),
  },
  'thread-message': {
    channels: ['peer'],
    request: z.strictObject({ proof: threadMessageProofSchema }),
    result: empty,
  },
  receipt: {
    channels: ['peer'],
    notify: z.strictObject({
      thread: idSchema,
      msgIds: z.array(idSchema).min(1).max(200),
      state: z.enum(['delivered', 'read']),
    }),
  },
  'torrent-offer': { channels: ['peer'], notify: torrentOfferSchema },
  /**
   * A call (Open Peer's dialog, PROTOCOL §5.10): every step of it on the session's control
   * channel, never a finder, so a call starts and ends with the finders down. Its media rides
   * the same connection, renegotiated with session-signal.
   */
  dialog: {
    channels: ['peer'],
    notify: z.strictObject({
      call: idSchema,
      state: z.enum(['invite', 'accept', 'decline', 'busy', 'hangup']),
      /** on an invite: the caller asks for video too */
      video: z.boolean().optional(),
    }),
  },
  /**
   * A contact introduces another (PROTOCOL §5.6), in two steps so that nobody's find secret
   * goes to someone who refuses: first without B (would you meet them?), then, once both said
   * yes, with B (you may find them). A request, not the design's notify, for those answers.
   */
  introduce: {
    channels: ['peer'],
    request: z.strictObject({
      peer: z.strictObject({
        A: sectionASchema,
        B: sectionBSchema.optional(),
        C: sectionCSchema,
      }),
    }),
    result: empty,
  },
  'torrent-wire': { channels: ['peer'], request: torrentWireSchema, result: empty },
  /*
   * Device linking (docs/devices.md): spoken only between two throwaway identities, the linking
   * identity of a device link and the newcomer that opened it, over their identified session.
   * The newcomer says who it is; the two nonces make the short code both screens show.
   */
  'device-hello': {
    channels: ['peer'],
    request: z.strictObject({ name: z.string().min(1).max(64), nonce: deviceNonce }),
    result: z.strictObject({ nonce: deviceNonce }),
  },
  /** one part of the identity, sealed to the newcomer's box key, cut to fit the channel */
  'device-transfer': {
    channels: ['peer'],
    request: z.strictObject({
      part: z
        .number()
        .int()
        .min(0)
        .max(DEVICE_PARTS_MAX - 1),
      parts: z.number().int().min(1).max(DEVICE_PARTS_MAX),
      data: z.string().max(DEVICE_PART_MAX),
    }),
    result: empty,
  },
  /**
   * Between two locations of one identity (docs/devices.md): messages the other may have
   * missed — received from a contact (`in`) or sent from this device (`out`) — and contacts
   * it may not know. Sent on connect and as they happen; the receiver de-duplicates by msgId.
   */
  'device-sync': {
    channels: ['peer'],
    request: z.strictObject({
      messages: z
        .array(
          z.strictObject({
            dir: z.enum(['in', 'out']),
            contactId: hex64,
            thread: idSchema,
            msgId: idSchema,
            body: z.string().max(16_000),
            sent: time,
          }),
        )
        .max(200),
      contacts: z
        .array(
          z.strictObject({
            peer: z.strictObject({
              A: sectionASchema,
              B: sectionBSchema.optional(),
              C: sectionCSchema.optional(),
            }),
            findSecret: z.string().max(64).optional(),
          }),
        )
        .max(50),
      /**
       * Marks: `out` — a contact's delivered/read receipt for a message we sent; `in` — we read a
       * contact's messages on this device (the others stop counting them unread)
       */
      marks: z
        .array(
          z.strictObject({
            dir: z.enum(['in', 'out']),
            contactId: hex64,
            msgIds: z.array(idSchema).min(1).max(200),
            state: z.enum(['delivered', 'read']),
          }),
        )
        .max(50),
    }),
    result: empty,
  },
  /** "Remove <device>": the receiving location of our own identity deletes its copy and leaves */
  /**
   * "Keep available <name>": a device of ours asks our always-on devices (the super-peer) to
   * fetch a file over this session and seed it from then on, offering it to `offerTo` (the
   * contacts it went to). `kept`: this device will (a device with a screen says no).
   */
  'device-pin': {
    channels: ['peer'],
    request: z.strictObject({
      file: torrentOfferSchema,
      offerTo: z.array(hex64).max(1000),
      /** also served to stock BitTorrent clients on the device's BitTorrent port */
      public: z.boolean().optional(),
    }),
    result: z.strictObject({ kept: z.boolean() }),
  },
  'device-remove': { channels: ['peer'], notify: z.strictObject({ reason: z.string().max(200) }) },
  'device-decline': { channels: ['peer'], notify: z.strictObject({ reason: z.string().max(200) }) },
} as const satisfies Record<
  string,
  {
    channels: readonly Channel[]
    request?: z.ZodType
    result?: z.ZodType
    notify?: z.ZodType
  }
>

export type MessageType = keyof typeof CATALOGUE
export type Kind = 'request' | 'result' | 'notify'

type Entry<T extends MessageType> = (typeof CATALOGUE)[T]
// zod infers an empty strict object as Record<string, never>, which would poison the envelope.
type Clean<B> = B extends Record<string, never> ? Record<never, never> : B
type Body<T extends MessageType, K extends Kind> = K extends keyof Entry<T>
  ? Entry<T>[K] extends z.ZodType
    ? Clean<z.infer<Entry<T>[K]>>
    : never
  : never

interface Envelope<T extends MessageType, K extends Kind> {
  v: 1
  kind: K
  type: T
  id: string
}

export type RequestOf<T extends MessageType> = Envelope<T, 'request'> & Body<T, 'request'>
export type ResultOf<T extends MessageType> = Envelope<T, 'result'> & Body<T, 'result'>
export type NotifyOf<T extends MessageType> = Envelope<T, 'notify'> & Body<T, 'notify'>
/** A failed request's answer; `type` is "error" when the request could not even be read. */
export interface ErrorResult {
  v: 1
  kind: 'result'
  type: MessageType | 'error'
  id: string
  error: z.infer<typeof errorSchema>
}

type Distribute<T extends MessageType> = T extends MessageType
  ? | ([Body<T, 'request'>] extends [never] ? never : RequestOf<T>)
    | ([Body<T, 'result'>] extends [never] ? never : ResultOf<T>)
    | ([Body<T, 'notify'>] extends [never] ? never : NotifyOf<T>)
  : never

/** Every well-formed message, as the decoder hands it out. */
export type WireMessage = Distribute<MessageType> | ErrorResult

export type RequestType = {
  [T in MessageType]: 'request' extends keyof Entry<T> ? T : never
}[MessageType]
export type NotifyType = {
  [T in MessageType]: 'notify' extends keyof Entry<T> ? T : never
}[MessageType]

/** The body (without envelope) a request, result or notify of type T carries. */
export type RequestBody<T extends MessageType> = Body<T, 'request'>
export type ResultBody<T extends MessageType> = Body<T, 'result'>
export type NotifyBody<T extends MessageType> = Body<T, 'notify'>

export const peerFileWire = peerFileSchema
