import { OpenPeerError, asOpenPeerError } from '../errors.ts'
import { randomId } from '../identity/encoding.ts'
import { contactIdOf, type SectionA } from '../identity/peer-file.ts'
import type { FinderPool } from '../finder/pool.ts'
import type { NotifyOf, RequestOf } from '../wire/messages.ts'
import { digestOf } from '../wire/proof.ts'
import {
  makeFind,
  openFindReply,
  openSignal,
  warmUpFindParsers,
  type FindTarget,
} from './find-proofs.ts'
import type { FindChannel } from './find-channel.ts'
import { FindOffer } from './find-offer.ts'
import { FoundSide, type FindNotify } from './found-side.ts'
import {
  CANDIDATE_LINGER,
  SessionMaker,
  type FindContext,
  type FindContextInit,
  type SessionMakerDeps,
} from './find-sessions.ts'
import type { SessionManager } from './manager.ts'
import { signalType } from './session-types.ts'
import { trace } from '../trace.ts'

export type { FindTarget } from './find-proofs.ts'

export interface RendezvousDeps extends SessionMakerDeps {
  /** where finds come in and replies and signals arrive */
  finders: FinderPool
  /** every new session goes here, before it connects */
  sessions: SessionManager
  /**
   * reports a failure nobody awaits (a bad reply, a refused incoming find), with the contact it
   * came from or claimed to come from
   */
  onError: (error: OpenPeerError, contactId?: string) => void
}

const CONTEXT_TTL = 60_000

/**
 * The find exchange (PROTOCOL §5.3) and the signalling that rides the finder until a session
 * is up. A find made to connect now carries the initiator's offer, answered in each location's
 * reply; a background ring carries none, and each location that answers offers (docs/protocol.md,
 * "Who offers", says why both).
 */
export class Rendezvous {
  private readonly contexts = new Map<string, FindContext>()
  private readonly unsubscribe: (() => void)[]
  private readonly maker: SessionMaker
  /** finds for us: checked, answered, their early signals held (found-side.ts) */
  private readonly found: FoundSide
  private readonly warmUp: ReturnType<typeof setTimeout>

  constructor(private readonly deps: RendezvousDeps) {
    this.maker = new SessionMaker(deps, (context, ctx) => {
      // Every session up, but a location our find reached has not replied yet: its reply (a
      // slower device of the contact) still needs the exchange; CONTEXT_TTL ends the wait.
      if (ctx.reached !== undefined && ctx.replied.size < ctx.reached) return
      this.drop(context, ctx)
    })
    this.found = new FoundSide({
      deps,
      maker: this.maker,
      has: (context) => this.contexts.has(context),
      open: (context, init) => this.open(context, init),
      receiveNotify: (message) => this.receiveNotify(message),
    })
    // Off the start's own path, and long before a find can come (it comes once we are online).
    this.warmUp = setTimeout(() => {
      try {
        warmUpFindParsers(deps.me())
      } catch {
        // no identity yet: the first find pays for it
      }
    }, 0)
    // Finds and signalling flow one way: finder pool → rendezvous → session manager.
    this.unsubscribe = [
      deps.finders.on('request', ({ finder, message }) => {
        this.receiveFind(finder, message).catch(async (err: unknown) =>
          this.deps.onError(
            asOpenPeerError(err, 'incoming find refused'),
            await claimedSender(message.proof.from),
          ),
        )
      }),
      deps.finders.on('notify', ({ message }) => this.receiveNotify(message)),
    ]
  }

  /**
   * Rings every online location of `target` through `finder` (a finder, or an introducer's
   * session: FindChannel); resolves with how many. With `offer`, the find carries our WebRTC
   * offer (someone waits to be connected: an invite opened), made while `target` is still being
   * fetched and checked when it is a promise; without, each location offers, and nothing is made
   * for a contact who turns out to be offline (the background rings).
   */
  async find(
    finder: FindChannel,
    target: FindTarget | Promise<FindTarget>,
    opts: { signal?: AbortSignal; offer?: boolean } = {},
  ): Promise<number> {
    const context = randomId()
    let offer: FindOffer | undefined
    if (opts.offer) {
      trace('find:peer:new')
      const peer = this.maker.peer(finder, context, { role: 'initiator', initiator: true })
      offer = new FindOffer(peer, opts.signal)
    }
    let ctx: FindContext | undefined
    try {
      const [to] = await Promise.all([target, offer?.ready()])
      const signals = offer?.forFind()
      trace('find:offer')
      ctx = this.open(context, {
        finder,
        remoteContactId: to.contactId,
        remoteA: to.A,
        findSecret: to.findSecret,
        ...(offer ? { offer } : {}),
      })
      const made = await makeFind(this.deps.me(), to, context, randomId(), this.now(), signals)
      ctx.digest = await digestOf(made.proof)
      ctx.send = made.channel
      trace('find:sent')
      const request = { proof: made.proof }
      const result = await finder.request('peer-location-find', request, opts)
      ctx.reached = result.locations
      if (offer && result.to?.length === 1)
        this.sendEarly(ctx, context, offer, result.to[0] as string)
      return result.locations
    } catch (err) {
      if (ctx) this.drop(context, ctx)
      else offer?.destroy()
      throw err
    }
  }

  /**
   * What our offer's peer gathered meanwhile (or, if nothing yet, its first burst), to the one
   * location the find reached.
   */
  private sendEarly(ctx: FindContext, context: string, offer: FindOffer, to: string): void {
    offer
      .early(CANDIDATE_LINGER)
      .then((signals) => {
        if (signals.length) return this.maker.signal(ctx, context, to, signals)
      })
      // Its reply and our session's signals carry on if this fails: nothing is lost but time.
      .catch(() => undefined)
  }

  /**
   * A find for us, passed on by a finder or an introducer: checked, then answered with our
   * offer (through the same channel). Resolves with how many locations answer: this one.
   */
  async receiveFind(
    finder: FindChannel,
    message: RequestOf<'peer-location-find'>,
  ): Promise<{ locations: number; to: string[] }> {
    await this.found.accept(finder, message)
    return { locations: 1, to: [this.deps.me().location.id] }
  }

  /** Replies and signals for contexts we take part in (whatever carried them). */
  receiveNotify(message: FindNotify): void {
    const ctx = this.contexts.get(message.proof.context)
    if (!ctx) return this.found.hold(message)
    ctx.queue = ctx.queue
      .then(() =>
        message.type === 'peer-location-find'
          ? this.onReply(ctx, message)
          : this.onSignal(ctx, message),
      )
      .catch((err: unknown) =>
        this.deps.onError(
          asOpenPeerError(err, 'bad signalling from the finder'),
          ctx.remoteContactId,
        ),
      )
  }

  /** the replay cache's clock: proofs are made and judged by one clock */
  private now(): number {
    return this.deps.replay.now()
  }

  stop(): void {
    clearTimeout(this.warmUp)
    for (const off of this.unsubscribe.splice(0)) off()
    for (const [id, ctx] of this.contexts) this.drop(id, ctx)
  }

  private open(context: string, init: FindContextInit): FindContext {
    const ctx: FindContext = {
      ...init,
      queue: Promise.resolve(),
      sessions: new Map(),
      receive: new Map(),
      fresh: new Set(),
      replied: new Set(),
      timer: setTimeout(() => this.drop(context, ctx), CONTEXT_TTL),
    }
    this.contexts.set(context, ctx)
    return ctx
  }

  private drop(context: string, ctx: FindContext): void {
    clearTimeout(ctx.timer)
    ctx.offer?.destroy()
    if (this.contexts.get(context) === ctx) this.contexts.delete(context)
  }

  private async onReply(ctx: FindContext, message: NotifyOf<'peer-location-find'>): Promise<void> {
    const { proof } = message
    if (!ctx.digest) return // our context, but we were found: a reply is not ours to take
    trace('reply:in')
    // Checked (signature, expiry, nonce) before the digest, so that the target's genuine reply
    // to another find, put into this one, is reported as the replay it is, not dropped unseen.
    const { signals, channel } = await openFindReply(
      proof,
      ctx.remoteA,
      this.deps.me(),
      this.deps.replay,
    )
    if (proof.requestDigest !== ctx.digest) {
      throw new OpenPeerError('ERR_REPLAY', 'find reply answers another find')
    }
    trace('reply:opened')
    if (ctx.sessions.has(proof.location) || ctx.replied.has(proof.location)) return
    ctx.replied.add(proof.location)
    // We offered in the find, so the reply answers; else it offers.
    const expected = ctx.offer ? 'answer' : 'offer'
    if (signalType(signals[0]) !== expected)
      throw new OpenPeerError('ERR_BAD_MESSAGE', `the find reply carries no ${expected}`)
    ctx.receive.set(proof.location, channel)
    const send = (batch: unknown[]): Promise<void> =>
      this.maker.signal(ctx, proof.context, proof.location, batch)
    const remoteLocationId = proof.location
    // We offered: the first location to answer takes our offer. Another (a find forks to each
    // of the target's locations) answered an offer it cannot have, so it gets a fresh one, sent
    // as a signal, and what it sent is not applied.
    const taken = ctx.offer?.take()
    if (ctx.offer && !taken) ctx.fresh.add(remoteLocationId)
    const session = this.maker.session(ctx, proof.context, {
      role: 'initiator',
      initiator: Boolean(ctx.offer),
      remoteLocationId,
      send,
      ...(taken ? { peer: taken.peer, later: taken.later } : {}),
    })
    this.deps.sessions.add(session)
    if (!ctx.offer || taken) for (const signal of signals) session.signal(signal)
  }

  private async onSignal(
    ctx: FindContext,
    message: NotifyOf<'peer-location-signal'>,
  ): Promise<void> {
    const { proof } = message
    if (proof.to !== this.deps.me().location.id) return
    const session = ctx.sessions.get(proof.from)
    const channel = ctx.receive.get(proof.from)
    if (!session || !channel) return
    trace('signal:in')
    let signals = await openSignal(proof, ctx.remoteA, channel, this.deps.replay)
    trace(`signal:opened:${signalType(signals[0])}`)
    // We were found: nothing the initiator sends is applied before its find passed every check.
    if (ctx.passed && !(await ctx.passed)) return
    if (ctx.fresh.has(proof.from)) {
      // Until the answer to its fresh offer, what it sends is for the peer it dropped.
      const at = signals.findIndex((s) => signalType(s) === 'answer')
      if (at < 0) return
      ctx.fresh.delete(proof.from)
      signals = signals.slice(at)
    } else if (this.found.isFreshOffer(ctx, session, signals)) {
      return this.found.answerFresh(ctx, proof.context, session, signals)
    }
    for (const signal of signals) session.signal(signal)
  }
}

/** Who a refused find says it is from (unverified: the alert says "claims"), if it says at all. */
async function claimedSender(A: SectionA): Promise<string | undefined> {
  try {
    return await contactIdOf(A)
  } catch {
    return undefined
  }
}
