import { OpenPeerError, asOpenPeerError } from '../errors.ts'
import type { SectionA } from '../identity/peer-file.ts'
import type { PeerLike, PeerOptions, SocketLike } from '../ports.ts'
import { PathSwitch } from '../tunnel/path-switch.ts'
import type { ReplayCache } from '../wire/replay.ts'
import { makeSignal } from './find-proofs.ts'
import type { FindChannel } from './find-channel.ts'
import type { FindOffer } from './find-offer.ts'
import type { LocalIdentity } from './identify.ts'
import { PeerSession } from './peer-session.ts'
import { SignalBatch } from './signal-batch.ts'
import { DEFAULT_TIMINGS, signalType, type SessionTimings } from './session-types.ts'
import { trace } from '../trace.ts'

/*
 * The sessions of find exchanges (rendezvous.ts): what one exchange keeps while it lasts, and the
 * making of its peers, its sessions and its signal messages through the finder.
 */

export interface SessionMakerDeps {
  me: () => LocalIdentity
  createPeer: (opts: PeerOptions) => PeerLike
  createSocket: (url: string) => SocketLike
  /** the ICE servers and policy of the moment (credentials renew) */
  iceConfig: () => PeerOptions['config']
  replay: ReplayCache
  known: (contactId: string) => boolean
  timings?: Partial<SessionTimings>
}

/** One find exchange, by its context: ours (we found) or theirs (we were found). */
export interface FindContext {
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
  /** we were found: whether the find passed every check (signals are applied only after) */
  passed?: Promise<boolean>
  /** our find's offer (we found, and offered): the first location whose reply is accepted takes it */
  offer?: FindOffer
  /**
   * locations that answered an offer another location took: each got a fresh offer, and what
   * they send before its answer belongs to the peer they dropped
   */
  fresh: Set<string>
  /** we found: how many locations the finder says our find reached */
  reached?: number
  /** we found: the locations whose reply we took (each makes one session, once) */
  replied: Set<string>
  timer: ReturnType<typeof setTimeout>
}

/**
 * ms a trickled candidate waits for the rest of its burst. Chromium hands a page its four host
 * candidates 0.3–1.3 ms apart (2.1–2.3 ms from first to last, bench:connect), and a batch of
 * signals is sealed, signed and sent in ~0.5 ms: without the wait each went alone, and the other
 * side verified and opened four messages, the answerer before making its answer.
 */
export const CANDIDATE_LINGER = 3

/** What opening an exchange is told; the rest of a FindContext starts empty. */
export type FindContextInit = Omit<
  FindContext,
  'queue' | 'sessions' | 'receive' | 'fresh' | 'replied' | 'timer'
>

/** Makes the peers, sessions and signal messages of find exchanges. */
export class SessionMaker {
  /** `idle`: every session of an exchange identified or closed; it needs the finder no more */
  constructor(
    private readonly deps: SessionMakerDeps,
    private readonly idle: (context: string, ctx: FindContext) => void,
  ) {}

  /** The session's path: WebRTC first, the relay tunnel beside the finder when ICE finds none. */
  peer(
    finder: FindChannel,
    context: string,
    opts: { role: 'initiator' | 'target'; initiator: boolean },
  ): PathSwitch {
    const timings = { ...DEFAULT_TIMINGS, ...this.deps.timings }
    return new PathSwitch({
      peer: { initiator: opts.initiator, trickle: true, config: this.deps.iceConfig() },
      createPeer: this.deps.createPeer,
      createSocket: this.deps.createSocket,
      context,
      role: opts.role,
      relay: finder.relay,
      iceTimeout: timings.iceTimeout,
      upgradeEvery: timings.upgradeEvery,
    })
  }

  /**
   * A session of the exchange with one remote location, added to the exchange: its signals go
   * by `send` (the reply, or signal messages) until it connects, batched.
   */
  session(
    ctx: FindContext,
    context: string,
    opts: {
      role: 'initiator' | 'target'
      initiator: boolean
      remoteLocationId: string
      send: (signals: unknown[]) => Promise<void>
      /** the peer our find's offer came from, and the signals it made since the find left */
      peer?: PeerLike
      later?: unknown[]
    },
  ): PeerSession {
    // WebRTC first; the relay tunnel beside the finder when ICE finds no path (PROTOCOL §5.7).
    trace('session:new')
    const peer = opts.peer ?? this.peer(ctx.finder, context, opts)
    trace('session:peer')
    const signals = new SignalBatch({
      send: opts.send,
      linger: CANDIDATE_LINGER,
      // Once connected, nothing more is for the finder: a late candidate is of no use to ICE
      // then, and the finder hears nothing of a session that is up.
      open: () => session.state === 'signalling',
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
    for (const signal of opts.later ?? []) signals.push(signal)
    const done = (): void => {
      // A session replaced by a fresh offer's (Rendezvous.answerFresh) leaves its successor in place.
      if (ctx.sessions.get(opts.remoteLocationId) !== session) return
      ctx.sessions.delete(opts.remoteLocationId)
      // Once up, the session needs the finder no more: forget the context.
      if (ctx.sessions.size === 0) this.idle(context, ctx)
    }
    session.on('identified', done)
    session.on('closed', done)
    trace('session:made')
    return session
  }

  /** One signal message of ours to location `to`, sealed on our channel key and signed. */
  async signal(ctx: FindContext, context: string, to: string, signals: unknown[]): Promise<void> {
    if (!ctx.send) throw new OpenPeerError('ERR_INTERNAL', 'no channel key to signal with')
    const route = { context, to, channel: ctx.send }
    const proof = await makeSignal(this.deps.me(), route, signals, this.deps.replay.now())
    ctx.finder.notify('peer-location-signal', { proof })
    trace(`signal:sent:${signalType(signals[0])}`)
  }
}
