import { OpenPeerError, asOpenPeerError } from '../errors.ts'
import { randomId } from '../identity/encoding.ts'
import { contactIdOf, type SectionA } from '../identity/peer-file.ts'
import type { FinderPool } from '../finder/pool.ts'
import type { PeerLike, PeerOptions, SocketLike } from '../ports.ts'
import { PathSwitch } from '../tunnel/path-switch.ts'
import type { NotifyOf, RequestOf } from '../wire/messages.ts'
import { digestOf } from '../wire/proof.ts'
import type { ReplayCache } from '../wire/replay.ts'
import {
  checkFind,
  makeFind,
  makeFindReply,
  makeSignal,
  openFindReply,
  openSignal,
  type FindTarget,
} from './find-proofs.ts'
import type { FindChannel } from './find-channel.ts'
import type { LocalIdentity } from './identify.ts'
import type { SessionManager } from './manager.ts'
import { PeerSession } from './peer-session.ts'
import { SignalBatch } from './signal-batch.ts'
import { DEFAULT_TIMINGS, signalType, type SessionTimings } from './session-types.ts'
import { trace } from '../trace.ts'

export type { FindTarget } from './find-proofs.ts'

export interface RendezvousDeps {
  /** where finds come in and replies and signals arrive */
  finders: FinderPool
  /** every new session goes here, before it connects */
  sessions: SessionManager
  me: () => LocalIdentity
  createPeer: (opts: PeerOptions) => PeerLike
  createSocket: (url: string) => SocketLike
  /** the ICE servers and policy of the moment (credentials renew) */
  iceConfig: () => PeerOptions['config']
  replay: ReplayCache
  known: (contactId: string) => boolean
  /**
   * reports a failure nobody awaits (a bad reply, a refused incoming find), with the contact it
   * came from or claimed to come from
   */
  onError: (error: OpenPeerError, contactId?: string) => void
  timings?: Partial<SessionTimings>
}

interface Context {
  /** what carries this exchange: a finder, or an introducer's session */
  finder: FindChannel
  remoteContactId: string
  remoteA: SectionA
  /** serialises this context's work so a candidate never overtakes its SDP */
  queue: Promise<void>
  sessions: Map<string, PeerSession>
  digest?: string
  findSecret?: string
  /** our channel key towards the other side (find-proofs.ts): the find's, or our reply's */
  send?: CryptoKey
  /** the other side's channel keys, by its location: from the find, or from each reply */
  receive: Map<string, CryptoKey>
  timer: ReturnType<typeof setTimeout>
}

const CONTEXT_TTL = 60_000

/**
 * ms a trickled candidate waits for the rest of its burst. Chromium hands a page its four host
 * candidates 0.3–1.3 ms apart (2.1–2.3 ms from first to last, bench:connect), and a batch of
 * signals is sealed, signed and sent in ~0.5 ms: without the wait each went alone, and the other
 * side verified and opened four messages, the answerer before making its answer.
 */
const CANDIDATE_LINGER = 3

/**
 * The find exchange (PROTOCOL §5.3) and the signalling that rides the finder until a session
 * is up. The target location makes the WebRTC offer, so one find can fork to every location of
 * the target, each answering with its own offer (docs/protocol.md says why).
 */
export class Rendezvous {
  private readonly contexts = new Map<string, Context>()
  private readonly unsubscribe: (() => void)[]

  constructor(private readonly deps: RendezvousDeps) {
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
   * session: FindChannel); resolves with how many.
   */
  async find(
    finder: FindChannel,
    target: FindTarget,
    opts: { signal?: AbortSignal } = {},
  ): Promise<number> {
    const context = randomId()
    const { proof, channel } = await makeFind(
      this.deps.me(),
      target,
      context,
      randomId(),
      this.now(),
    )
    const ctx = this.open(context, {
      finder,
      remoteContactId: target.contactId,
      remoteA: target.A,
      digest: await digestOf(proof),
      findSecret: target.findSecret,
      send: channel,
    })
    trace('find:sent')
    try {
      const { locations } = await finder.request('peer-location-find', { proof }, opts)
      return locations
    } catch (err) {
      this.drop(context, ctx)
      throw err
    }
  }

  /**
   * A find for us, passed on by a finder or an introducer: checked, then answered with our
   * offer (through the same channel). Resolves with how many locations answer: this one.
   */
  async receiveFind(
    finder: FindChannel,
    message: RequestOf<'peer-location-find'>,
  ): Promise<{ locations: number }> {
    await this.acceptFind(finder, message)
    return { locations: 1 }
  }

  /** Replies and signals for contexts we take part in (whatever carried them). */
  receiveNotify(message: NotifyOf<'peer-location-find'> | NotifyOf<'peer-location-signal'>): void {
    const ctx = this.contexts.get(message.proof.context)
    if (!ctx) return
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

  private timings(): SessionTimings {
    return { ...DEFAULT_TIMINGS, ...this.deps.timings }
  }

  /** the replay cache's clock: proofs are made and judged by one clock */
  private now(): number {
    return this.deps.replay.now()
  }

  stop(): void {
    for (const off of this.unsubscribe.splice(0)) off()
    for (const [id, ctx] of this.contexts) this.drop(id, ctx)
  }

  private open(
    context: string,
    init: Omit<Context, 'queue' | 'sessions' | 'receive' | 'timer'>,
  ): Context {
    const ctx: Context = {
      ...init,
      queue: Promise.resolve(),
      sessions: new Map(),
      receive: new Map(),
      timer: setTimeout(() => this.drop(context, ctx), CONTEXT_TTL),
    }
    this.contexts.set(context, ctx)
    return ctx
  }

  private drop(context: string, ctx: Context): void {
    clearTimeout(ctx.timer)
    if (this.contexts.get(context) === ctx) this.contexts.delete(context)
  }

  private async acceptFind(
    finder: FindChannel,
    message: RequestOf<'peer-location-find'>,
  ): Promise<void> {
    const { proof } = message
    const me = this.deps.me()
    trace('find:in')
    if (this.contexts.has(proof.context))
      throw new OpenPeerError('ERR_CONFLICT', 'find context already in use')
    // The peer is made (certificate, offer, gathering) while the find's sealed part is opened and
    // checked, once the find is signed, fresh and proves our find secret — what it takes to be
    // answered at all. Nothing leaves before every check passed; a find that fails the last ones
    // closes it unseen.
    let session: PeerSession | undefined
    let ctx: Context | undefined
    let checked = (): void => {}
    let refused = (_: unknown): void => {}
    const passed = new Promise<void>((resolve, reject) => ((checked = resolve), (refused = reject)))
    passed.catch(() => undefined)
    const start = (initiatorId: string): void => {
      // Checked again: the same find may have come twice while the first was being checked.
      if (this.contexts.has(proof.context))
        throw new OpenPeerError('ERR_CONFLICT', 'find context already in use')
      const opened = (ctx = this.open(proof.context, {
        finder,
        remoteContactId: initiatorId,
        remoteA: proof.from,
      }))
      let first = true
      session = this.newSession(opened, proof.context, {
        role: 'target',
        initiator: true,
        remoteLocationId: proof.fromLocation,
        send: async (signals) => {
          await passed
          if (!first) return this.sendSignal(opened, proof.context, proof.fromLocation, signals)
          first = false
          const find = {
            digest: await digestOf(proof),
            context: proof.context,
            initiatorBox: proof.from.boxKey,
          }
          const reply = await makeFindReply(me, find, signals, this.now())
          opened.send = reply.channel
          opened.finder.notify('peer-location-find', { proof: reply.proof })
          trace('reply:sent')
        },
      })
    }
    try {
      const { channel } = await checkFind(proof, me, this.deps.replay, { proven: start })
      trace('find:checked')
      if (!session || !ctx) throw new OpenPeerError('ERR_INTERNAL', 'no session for a checked find')
      ctx.receive.set(proof.fromLocation, channel)
      this.deps.sessions.add(session)
      checked()
    } catch (err) {
      refused(err)
      ;(session as PeerSession | undefined)?.close(asOpenPeerError(err, 'find refused'))
      throw err
    }
  }

  private async onReply(ctx: Context, message: NotifyOf<'peer-location-find'>): Promise<void> {
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
    if (ctx.sessions.has(proof.location)) return
    ctx.receive.set(proof.location, channel)
    const session = this.newSession(ctx, proof.context, {
      role: 'initiator',
      initiator: false,
      remoteLocationId: proof.location,
      send: (batch) => this.sendSignal(ctx, proof.context, proof.location, batch),
    })
    this.deps.sessions.add(session)
    for (const signal of signals) session.signal(signal)
  }

  private async onSignal(ctx: Context, message: NotifyOf<'peer-location-signal'>): Promise<void> {
    const { proof } = message
    if (proof.to !== this.deps.me().location.id) return
    const session = ctx.sessions.get(proof.from)
    const channel = ctx.receive.get(proof.from)
    if (!session || !channel) return
    trace('signal:in')
    const signals = await openSignal(proof, ctx.remoteA, channel, this.deps.replay)
    trace(`signal:opened:${signalType(signals[0])}`)
    for (const signal of signals) session.signal(signal)
  }

  /** The session's path: WebRTC first, the relay tunnel beside the finder when ICE finds none. */
  private newPeer(
    ctx: Context,
    context: string,
    opts: { role: 'initiator' | 'target'; initiator: boolean },
  ): PathSwitch {
    const timings = this.timings()
    return new PathSwitch({
      peer: { initiator: opts.initiator, trickle: true, config: this.deps.iceConfig() },
      createPeer: this.deps.createPeer,
      createSocket: this.deps.createSocket,
      context,
      role: opts.role,
      relay: ctx.finder.relay,
      iceTimeout: timings.iceTimeout,
      upgradeEvery: timings.upgradeEvery,
    })
  }

  private newSession(
    ctx: Context,
    context: string,
    opts: {
      role: 'initiator' | 'target'
      initiator: boolean
      remoteLocationId: string
      send: (signals: unknown[]) => Promise<void>
    },
  ): PeerSession {
    // WebRTC first; the relay tunnel beside the finder when ICE finds no path (PROTOCOL §5.7).
    trace('session:new')
    const peer = this.newPeer(ctx, context, opts)
    trace('session:peer')
    const signals = new SignalBatch({
      send: opts.send,
      linger: CANDIDATE_LINGER,
      open: () => session.state !== 'closed',
      fail: (err) => session.close(asOpenPeerError(err, 'cannot signal through the finder')),
    })
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
      sendSignal: (signal) => signals.push(signal),
    })
    ctx.sessions.set(opts.remoteLocationId, session)
    const done = (): void => {
      ctx.sessions.delete(opts.remoteLocationId)
      // Once up, the session needs the finder no more: forget the context.
      if (ctx.sessions.size === 0) this.drop(context, ctx)
    }
    session.on('identified', done)
    session.on('closed', done)
    trace('session:made')
    return session
  }

  private async sendSignal(
    ctx: Context,
    context: string,
    to: string,
    signals: unknown[],
  ): Promise<void> {
    if (!ctx.send) throw new OpenPeerError('ERR_INTERNAL', 'no channel key to signal with')
    const route = { context, to, channel: ctx.send }
    const proof = await makeSignal(this.deps.me(), route, signals, this.now())
    ctx.finder.notify('peer-location-signal', { proof })
    trace(`signal:sent:${signalType(signals[0])}`)
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
