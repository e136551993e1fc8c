import { z } from 'zod'
import { OpenPeerError, asOpenPeerError } from '../errors.ts'
import { constantTimeEqual, randomId } from '../identity/encoding.ts'
import { findSecretProof } from '../identity/find-secret.ts'
import type { PublicJwk } from '../identity/keys.ts'
import {
  verifyPeerFile,
  verifySectionA,
  type SectionA,
  type VerifiedPeerFile,
} from '../identity/peer-file.ts'
import { seal, unseal } from '../identity/seal.ts'
import { signJson } from '../identity/sign.ts'
import { formatPeerUri } from '../identity/uri.ts'
import type { FinderConnection } from '../finder/connection.ts'
import type { PeerLike, PeerOptions } from '../ports.ts'
import type { NotifyOf, RequestOf } from '../wire/messages.ts'
import { PROOF_LIFETIME, checkProof, digestOf, makeProof } from '../wire/proof.ts'
import type { ReplayCache } from '../wire/replay.ts'
import { locationSchema, peerFileSchema, signalDataSchema } from '../wire/schemas.ts'
import type { LocalIdentity } from './identify.ts'
import { PeerSession } from './peer-session.ts'
import type { SessionTimings } from './session-types.ts'

// What travels sealed inside the find exchange; decoded like any wire message.
const findSealed = z.strictObject({ location: locationSchema, peer: peerFileSchema })
const replySealed = z.strictObject({ location: locationSchema, signal: signalDataSchema })
const signalSealed = z.strictObject({ signal: signalDataSchema })

export interface FindTarget {
  contactId: string
  A: SectionA
  findSecret: string
}

export interface RendezvousDeps {
  me: () => LocalIdentity
  createPeer: (opts: PeerOptions) => PeerLike
  iceConfig: () => PeerOptions['config']
  replay: ReplayCache
  known: (contactId: string) => boolean
  /** every new session goes to the session manager before it connects */
  onSession: (
    session: PeerSession,
    via: 'find' | 'found',
    peer: VerifiedPeerFile | undefined,
  ) => void
  /** reports a failure nobody awaits (a bad reply, a refused incoming find) */
  onError: (error: OpenPeerError) => void
  timings?: Partial<SessionTimings>
}

interface Context {
  finder: FinderConnection
  remoteContactId: string
  remoteA: SectionA
  /** serialises this context's work so a candidate never overtakes its SDP */
  queue: Promise<void>
  sessions: Map<string, PeerSession>
  digest?: string
  findSecret?: string
  timer: ReturnType<typeof setTimeout>
}

const CONTEXT_TTL = 60_000

/**
 * The find exchange (PROTOCOL §5.3) and the signalling that rides the finder until a session
 * is up. The target location makes the WebRTC offer, so one find can fork to every location of
 * the target, each answering with its own offer (docs/protocol.md says why).
 */
export class Rendezvous {
  private readonly contexts = new Map<string, Context>()

  constructor(private readonly deps: RendezvousDeps) {}

  /** Rings every online location of `target` through `finder`; resolves with how many. */
  async find(
    finder: FinderConnection,
    target: FindTarget,
    opts: { signal?: AbortSignal } = {},
  ): Promise<number> {
    const me = this.deps.me()
    const context = randomId()
    const sealed = await seal(target.A.boxKey, { location: me.location, peer: me.file }, 'find')
    const nonce = randomId()
    const expires = Date.now() + 2 * 60_000
    const to = formatPeerUri({ domain: target.A.domain, contactId: target.contactId })
    const body = {
      to,
      findSecretProof: await findSecretProof(target.findSecret, {
        from: me.contactId,
        to,
        context,
        nonce,
        expires,
      }),
      context,
      from: me.file.A,
      fromLocation: me.location.id,
      sealed,
      nonce,
      expires,
    }
    const proof = await signJson(me.keys.sign.privateKey, body)
    const ctx = this.open(context, {
      finder,
      remoteContactId: target.contactId,
      remoteA: target.A,
      digest: await digestOf(proof),
      findSecret: target.findSecret,
    })
    try {
      const { locations } = await finder.request('peer-location-find', { proof }, opts)
      return locations
    } catch (err) {
      this.drop(context, ctx)
      throw err
    }
  }

  /** A find forwarded to us by our finder. */
  onFindRequest(finder: FinderConnection, message: RequestOf<'peer-location-find'>): void {
    this.acceptFind(finder, message).catch((err: unknown) =>
      this.deps.onError(asOpenPeerError(err, 'incoming find refused')),
    )
  }

  /** Replies and signals for contexts we take part in. */
  onNotify(message: NotifyOf<'peer-location-find'> | NotifyOf<'peer-location-signal'>): void {
    const ctx = this.contexts.get(message.proof.context)
    if (!ctx) return
    ctx.queue = ctx.queue
      .then(() =>
        message.type === 'peer-location-find'
          ? this.onReply(ctx, message)
          : this.onSignal(ctx, message),
      )
      .catch((err: unknown) =>
        this.deps.onError(asOpenPeerError(err, 'bad signalling from the finder')),
      )
  }

  stop(): void {
    for (const [id, ctx] of this.contexts) this.drop(id, ctx)
  }

  private open(context: string, init: Omit<Context, 'queue' | 'sessions' | 'timer'>): Context {
    const ctx: Context = {
      ...init,
      queue: Promise.resolve(),
      sessions: new Map(),
      timer: setTimeout(
        () => this.contexts.get(context) === ctx && this.contexts.delete(context),
        CONTEXT_TTL,
      ),
    }
    this.contexts.set(context, ctx)
    return ctx
  }

  private drop(context: string, ctx: Context): void {
    clearTimeout(ctx.timer)
    if (this.contexts.get(context) === ctx) this.contexts.delete(context)
  }

  private async acceptFind(
    finder: FinderConnection,
    message: RequestOf<'peer-location-find'>,
  ): Promise<void> {
    const { proof } = message
    const me = this.deps.me()
    const initiatorId = await verifySectionA(proof.from)
    await checkProof(proof, proof.from.signKey, {
      replay: this.deps.replay,
      maxLifetime: PROOF_LIFETIME.finder,
      what: 'find request',
    })
    if (proof.to !== me.uri)
      throw new OpenPeerError('ERR_CONTACT_MISMATCH', 'find request is for another contact')
    // The finder checked this too, but a finder is not trusted to decide who may ring us. The
    // proof names the signer: one lifted from another's find into a finder's own fails here.
    const expected = await findSecretProof(me.file.B.findSecret, {
      from: initiatorId,
      to: proof.to,
      context: proof.context,
      nonce: proof.nonce,
      expires: proof.expires,
    })
    if (!constantTimeEqual(expected, proof.findSecretProof)) {
      throw new OpenPeerError('ERR_FIND_DENIED', 'find request with a revoked or wrong find secret')
    }
    const inner = findSealed.safeParse(await unseal(me.keys.box.privateKey, proof.sealed, 'find'))
    if (!inner.success)
      throw new OpenPeerError('ERR_BAD_MESSAGE', 'sealed find payload is malformed')
    const peer = await verifyPeerFile(inner.data.peer, initiatorId)
    if (inner.data.location.id !== proof.fromLocation) {
      throw new OpenPeerError('ERR_SIGNATURE', 'sealed location differs from the signed one')
    }
    if (this.contexts.has(proof.context))
      throw new OpenPeerError('ERR_CONFLICT', 'find context already in use')
    const ctx = this.open(proof.context, {
      finder,
      remoteContactId: initiatorId,
      remoteA: proof.from,
    })
    const digest = await digestOf(proof)
    let first = true
    const session = this.newSession(ctx, proof.context, {
      role: 'target',
      initiator: true,
      remoteLocationId: inner.data.location.id,
      send: async (signal) => {
        if (!first)
          return this.sendSignal(
            ctx,
            proof.context,
            inner.data.location.id,
            proof.from.boxKey,
            signal,
          )
        first = false
        const sealedReply = await seal(
          proof.from.boxKey,
          { location: me.location, signal },
          'find-reply',
        )
        const reply = await makeProof(me.keys.sign.privateKey, {
          requestDigest: digest,
          context: proof.context,
          location: me.location.id,
          sealed: sealedReply,
        })
        ctx.finder.notify('peer-location-find', { proof: reply })
      },
    })
    this.deps.onSession(session, 'found', peer)
  }

  private async onReply(ctx: Context, message: NotifyOf<'peer-location-find'>): Promise<void> {
    const { proof } = message
    if (!ctx.digest || proof.requestDigest !== ctx.digest) return
    await checkProof(proof, ctx.remoteA.signKey, {
      replay: this.deps.replay,
      maxLifetime: PROOF_LIFETIME.finder,
      what: 'find reply',
    })
    const inner = replySealed.safeParse(
      await unseal(this.deps.me().keys.box.privateKey, proof.sealed, 'find-reply'),
    )
    if (!inner.success) throw new OpenPeerError('ERR_BAD_MESSAGE', 'sealed find reply is malformed')
    if (inner.data.location.id !== proof.location) {
      throw new OpenPeerError('ERR_SIGNATURE', 'sealed location differs from the signed one')
    }
    if (ctx.sessions.has(proof.location)) return
    const session = this.newSession(ctx, proof.context, {
      role: 'initiator',
      initiator: false,
      remoteLocationId: proof.location,
      send: (signal) =>
        this.sendSignal(ctx, proof.context, proof.location, ctx.remoteA.boxKey, signal),
    })
    this.deps.onSession(session, 'find', undefined)
    session.signal(inner.data.signal)
  }

  private async onSignal(ctx: Context, message: NotifyOf<'peer-location-signal'>): Promise<void> {
    const { proof } = message
    if (proof.to !== this.deps.me().location.id) return
    const session = ctx.sessions.get(proof.from)
    if (!session) return
    await checkProof(proof, ctx.remoteA.signKey, {
      replay: this.deps.replay,
      maxLifetime: PROOF_LIFETIME.finder,
      what: 'signal',
    })
    const inner = signalSealed.safeParse(
      await unseal(this.deps.me().keys.box.privateKey, proof.sealed, 'signal'),
    )
    if (!inner.success) throw new OpenPeerError('ERR_BAD_MESSAGE', 'sealed signal is malformed')
    session.signal(inner.data.signal)
  }

  private newSession(
    ctx: Context,
    context: string,
    opts: {
      role: 'initiator' | 'target'
      initiator: boolean
      remoteLocationId: string
      send: (signal: unknown) => Promise<void>
    },
  ): PeerSession {
    const peer = this.deps.createPeer({
      initiator: opts.initiator,
      trickle: true,
      config: this.deps.iceConfig(),
    })
    let outbound = Promise.resolve()
    const session = new PeerSession({
      me: this.deps.me,
      peer,
      context,
      role: opts.role,
      remote: { contactId: ctx.remoteContactId, A: ctx.remoteA, locationId: opts.remoteLocationId },
      findSecret: ctx.findSecret,
      known: this.deps.known,
      replay: this.deps.replay,
      timings: this.deps.timings,
      sendSignal: (signal) => {
        // In order, or a candidate could reach the other side before the SDP it belongs to.
        outbound = outbound
          .then(() => opts.send(signal))
          .catch((err: unknown) =>
            session.close(asOpenPeerError(err, 'cannot signal through the finder')),
          )
      },
    })
    ctx.sessions.set(opts.remoteLocationId, session)
    const done = (): void => {
      ctx.sessions.delete(opts.remoteLocationId)
      // Once up, the session needs the finder no more: forget the context.
      if (ctx.sessions.size === 0) this.drop(context, ctx)
    }
    session.on('identified', done)
    session.on('closed', done)
    return session
  }

  private async sendSignal(
    ctx: Context,
    context: string,
    to: string,
    box: PublicJwk,
    signal: unknown,
  ): Promise<void> {
    const me = this.deps.me()
    const proof = await makeProof(me.keys.sign.privateKey, {
      context,
      from: me.location.id,
      to,
      sealed: await seal(box, { signal }, 'signal'),
    })
    ctx.finder.notify('peer-location-signal', { proof })
  }
}
