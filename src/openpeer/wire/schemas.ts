import { z } from 'zod'
import { CONTACT_ID, DOMAIN } from '../identity/uri.ts'

/*
 * One schema per wire message (PROTOCOL §8), shared by the client and the finder. Objects are
 * strict: an unknown field is a malformed message, so nothing unchecked slips through a boundary.
 */

const b64u = z.string().regex(/^[A-Za-z0-9_-]*$/, 'not base64url')
const hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'not 64 hex digits')
const time = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER)
export const idSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'not an id')
const sig = b64u.min(80).max(100)
const nonce = b64u.min(16).max(64)

export const domainSchema = z.string().max(260).regex(DOMAIN, 'not a domain')
export const peerUriSchema = z
  .string()
  .max(340)
  .refine((s) => {
    const m = /^peer:\/\/(.+)\/([^/]+)$/.exec(s)
    return !!m && DOMAIN.test(m[1] ?? '') && CONTACT_ID.test(m[2] ?? '')
  }, 'not a peer URI')

export const jwkSchema = z.strictObject({
  kty: z.literal('EC'),
  crv: z.literal('P-256'),
  x: b64u.length(43),
  y: b64u.length(43),
})

export const sectionASchema = z.strictObject({
  v: z.literal(1),
  suite: z.literal('opw1'),
  signKey: jwkSchema,
  boxKey: jwkSchema,
  domain: domainSchema,
  created: time,
  expires: time,
  sig,
})
export const sectionBSchema = z.strictObject({
  contact: peerUriSchema,
  findSecret: b64u.min(22).max(64),
  updated: time,
  sig,
})
export const sectionCSchema = z.strictObject({
  contact: peerUriSchema,
  name: z.string().min(1).max(256),
  updated: time,
  sig,
})
export const peerFileSchema = z.strictObject({
  A: sectionASchema,
  B: sectionBSchema.optional(),
  C: sectionCSchema.optional(),
})

export const sealedSchema = z.strictObject({
  epk: b64u.length(87),
  iv: b64u.length(16),
  ct: b64u.max(90_000),
})

/** A payload under a find exchange's channel key: no ephemeral point (identity/seal.ts). */
export const channelSealedSchema = z.strictObject({
  iv: b64u.length(16),
  ct: b64u.max(90_000),
})

export const locationSchema = z.strictObject({
  id: idSchema,
  label: z.string().max(64),
})

const proofFields = { nonce, expires: time, sig }

/** session-create proof: signed by the registering contact's A key. */
export const sessionProofSchema = z.strictObject({
  finder: domainSchema,
  location: locationSchema,
  peer: z.strictObject({ A: sectionASchema, B: sectionBSchema.optional() }),
  ...proofFields,
})

/** peer-location-find proof: signed by the initiator; the sealed part is for the target only. */
export const findProofSchema = z.strictObject({
  to: peerUriSchema,
  findSecretProof: hex64,
  context: idSchema,
  from: sectionASchema,
  fromLocation: idSchema,
  sealed: sealedSchema,
  ...proofFields,
})

/** The target location's answer, signed by the target: routed back by `context`. */
export const findReplyProofSchema = z.strictObject({
  requestDigest: hex64,
  context: idSchema,
  location: idSchema,
  sealed: sealedSchema,
  ...proofFields,
})

/** Signalling between the two locations until the session is up (SDP and trickled candidates). */
export const signalProofSchema = z.strictObject({
  context: idSchema,
  from: idSchema,
  to: idSchema,
  sealed: channelSealedSchema,
  ...proofFields,
})

const fingerprint = z
  .string()
  .regex(/^[a-z0-9-]{1,16} [0-9A-F]{2}(:[0-9A-F]{2}){19,63}$/, 'not a fingerprint')
export const fingerprintsSchema = z.strictObject({ local: fingerprint, remote: fingerprint })

export const identifyProofSchema = z.strictObject({
  context: idSchema,
  findSecret: b64u.min(22).max(64).optional(),
  peer: peerFileSchema,
  location: locationSchema,
  fingerprints: fingerprintsSchema,
  ...proofFields,
})

export const identifyResultProofSchema = z.strictObject({
  digest: hex64,
  peer: peerFileSchema,
  location: locationSchema,
  fingerprints: fingerprintsSchema,
  ...proofFields,
})

/** simple-peer signal data, carried over the control channel after connect (renegotiation). */
/** A single-use relay capability: 128 random bits, base64url. */
export const relayToken = b64u.length(22)

export const signalDataSchema = z.strictObject({
  type: z
    .enum([
      'offer',
      'answer',
      'pranswer',
      'rollback',
      'renegotiate',
      'transceiverRequest',
      'candidate',
      'tunnel',
    ])
    .optional(),
  sdp: z.string().max(60_000).optional(),
  renegotiate: z.boolean().optional(),
  /** with `renegotiate`: the answerer asks the offerer for an ICE restart (a network change) */
  iceRestart: z.boolean().optional(),
  transceiverRequest: z
    .strictObject({
      kind: z.enum(['audio', 'video']),
      init: z.record(z.string(), z.unknown()).optional(),
    })
    .optional(),
  candidate: z
    .strictObject({
      candidate: z.string().max(1000),
      sdpMLineIndex: z.number().int().nullable().optional(),
      sdpMid: z.string().max(64).nullable().optional(),
      usernameFragment: z.string().max(256).nullable().optional(),
    })
    .optional(),
  /**
   * relay tunnel setup (PROTOCOL §5.7): a side's tunnel key, the other side's token, and (from
   * a finder cluster's initiator) the relay that issued it, one of the same domain's finders
   */
  tunnel: z
    .strictObject({
      key: b64u.length(87),
      token: relayToken.optional(),
      relay: z
        .string()
        .regex(/^wss?:\/\/[^\s]+$/)
        .max(300)
        .optional(),
    })
    .optional(),
})

export const threadMessageProofSchema = z.strictObject({
  thread: idSchema,
  msgId: idSchema,
  from: peerUriSchema,
  to: peerUriSchema,
  sent: time,
  body: z.string().max(16_000),
  mime: z.enum(['text/plain']),
  sig,
})

/** A BitTorrent v1 infohash: 40 lowercase hex digits (SHA-1 of the info dictionary). */
export const infoHashSchema = z.string().regex(/^[0-9a-f]{40}$/, 'not an infohash')

/** A file card (PROTOCOL §5.9): the magnet must name the same infohash. */
export const torrentOfferSchema = z
  .strictObject({
    infoHash: infoHashSchema,
    magnet: z.string().max(2000).startsWith('magnet:?', 'not a magnet link'),
    name: z.string().min(1).max(255),
    size: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
    mime: z.string().max(100),
  })
  .refine(
    (o) => o.magnet.toLowerCase().includes(`xt=urn:btih:${o.infoHash}`),
    'magnet names another infohash',
  )

/** Asks the other side to open its end of a negotiated datachannel and run a torrent wire on it. */
export const torrentWireSchema = z.strictObject({
  infoHash: infoHashSchema,
  // Bulk channel ids: above simple-peer's control channel, below Chromium's 1024 SCTP streams.
  channel: z.number().int().min(64).max(1023),
})

export const errorSchema = z.strictObject({
  code: z.number().int().min(400).max(599),
  reason: z.string().max(500),
})

export const iceServerSchema = z.strictObject({
  urls: z.union([z.string().max(300), z.array(z.string().max(300)).max(8)]),
  username: z.string().max(300).optional(),
  credential: z.string().max(300).optional(),
})

/** TURN credentials for a registered session (session-create result), valid until `expires`. */
export const turnGrantSchema = z.strictObject({
  iceServers: z.array(iceServerSchema).max(4),
  expires: z.number().int().nonnegative(),
})
export type TurnGrant = z.infer<typeof turnGrantSchema>

/** GET /.well-known/openpeer-services-get (PROTOCOL §5.1). */
export const bootstrapSchema = z.strictObject({
  v: z.literal(1),
  domain: domainSchema,
  finders: z
    .array(
      z
        .string()
        .regex(/^wss?:\/\/[^\s]+$/)
        .max(300),
    )
    .min(1)
    .max(8),
  iceServers: z.array(iceServerSchema).max(8),
  limits: z.strictObject({
    finderFrame: z.number().int().positive(),
    peerFrame: z.number().int().positive(),
    proofLifetime: z.number().int().positive(),
    locationsPerContact: z.number().int().positive(),
    registrationTtl: z.number().int().positive(),
  }),
})
export type Bootstrap = z.infer<typeof bootstrapSchema>
