import { OpenPeerError, asOpenPeerError } from '../errors.ts'
import type { NotifyOf, RequestOf } from '../wire/messages.ts'
import { digestOf } from '../wire/proof.ts'
import { checkFind, makeFindReply } from './find-proofs.ts'
import type { FindChannel } from './find-channel.ts'
import type {
  FindContext,
  FindContextInit,
  SessionMaker,
  SessionMakerDeps,
} from './find-sessions.ts'
import type { SessionManager } from './manager.ts'
import type { PeerSession } from './peer-session.ts'
import { signalType } from './session-types.ts'
import { trace } from '../trace.ts'

/** signal messages kept for a find still being checked (an initiator sends one or two) */
const EARLY_MAX = 8

export type FindNotify = NotifyOf<'peer-location-find'> | NotifyOf<'peer-location-signal'>

/** What the found side needs of the rendezvous it is part of. */
export interface FoundSideHost {
  deps: Pick<SessionMakerDeps, 'me' | 'replay'> & { sessions: SessionManager }
  maker: SessionMaker
  /** an exchange by that context is open */
  has(context: string): boolean
  open(context: string, init: FindContextInit): FindContext
  /** replays a signal message that waited for its find's checks */
  receiveNotify(message: FindNotify): void
}

/**
 * The found side of the find exchange (PROTOCOL §5.3): a find for us checked, and answered in
 * our reply, or offered to when it carried no offer; signals that come while it is checked held
 * until it passed; a fresh offer from an initiator whose find another of our locations took.
 * Nothing of ours leaves before every check of the find passed (docs/security.md, "Whose
 * addresses go first").
 */
export class FoundSide {
  /**
   * Finds for us still being checked, by context: signals that come meanwhile (an initiator
   * that learnt we are its one location sends its candidates at once) wait here.
   */
  private readonly checking = new Map<string, FindNotify[]>()

  constructor(private readonly host: FoundSideHost) {}

  /**
   * A signal message for no open exchange: kept if its find is still being checked (replayed
   * once it passed), dropped otherwise.
   */
  hold(message: FindNotify): void {
    const waiting = this.checking.get(message.proof.context)
    if (waiting && waiting.length < EARLY_MAX) waiting.push(message)
  }

  /** A find for us, from `finder`: checked, and its session made and added; throws if refused. */
  async accept(finder: FindChannel, message: RequestOf<'peer-location-find'>): Promise<void> {
    const { proof } = message
    const me = this.host.deps.me()
    trace('find:in')
    if (this.host.has(proof.context) || this.checking.has(proof.context))
      throw new OpenPeerError('ERR_CONFLICT', 'find context already in use')
    this.checking.set(proof.context, [])
    // The peer is made (certificate, offer or answer, gathering) while the peer file in the find
    // is checked, once the find is signed, fresh, proves our find secret and its sealed part
    // opened — what it takes to be answered at all. Nothing leaves before every check passed; a
    // find that fails the last ones closes it unseen.
    let session: PeerSession | undefined
    let ctx: FindContext | undefined
    let checked = (): void => {}
    let refused = (_: unknown): void => {}
    const passed = new Promise<void>((resolve, reject) => ((checked = resolve), (refused = reject)))
    passed.catch(() => undefined)
    const start = (
      initiatorId: string,
      signals: unknown[] | undefined,
      channel: CryptoKey,
    ): void => {
      // Checked again: the same find may have come twice while the first was being checked.
      if (this.host.has(proof.context))
        throw new OpenPeerError('ERR_CONFLICT', 'find context already in use')
      if (signals && signalType(signals[0]) !== 'offer')
        throw new OpenPeerError('ERR_BAD_MESSAGE', 'the find carries signals but no offer')
      const opened = (ctx = this.host.open(proof.context, {
        finder,
        remoteContactId: initiatorId,
        remoteA: proof.from,
        // What the initiator signals before every check passed is opened, but applied after.
        passed: passed.then(
          () => true,
          () => false,
        ),
      }))
      opened.receive.set(proof.fromLocation, channel)
      let first = true
      session = this.host.maker.session(opened, proof.context, {
        role: 'target',
        // the initiator offered in its find: we answer; else we offer
        initiator: !signals,
        remoteLocationId: proof.fromLocation,
        send: async (signals) => {
          await passed
          if (!first)
            return this.host.maker.signal(opened, proof.context, proof.fromLocation, signals)
          first = false
          const find = {
            digest: await digestOf(proof),
            context: proof.context,
            initiatorBox: proof.from.boxKey,
          }
          const reply = await makeFindReply(me, find, signals, this.host.deps.replay.now())
          opened.send = reply.channel
          opened.finder.notify('peer-location-find', { proof: reply.proof })
          trace('reply:sent')
        },
      })
      if (signals) this.applyOffer(session, signals, passed)
      const early = this.checking.get(proof.context) ?? []
      this.checking.delete(proof.context)
      for (const message of early) this.host.receiveNotify(message)
    }
    try {
      await checkFind(proof, me, this.host.deps.replay, { proven: start })
      trace('find:checked')
      if (!session || !ctx) throw new OpenPeerError('ERR_INTERNAL', 'no session for a checked find')
      this.host.deps.sessions.add(session)
      checked()
    } catch (err) {
      refused(err)
      ;(session as PeerSession | undefined)?.close(asOpenPeerError(err, 'find refused'))
      throw err
    } finally {
      this.checking.delete(proof.context)
    }
  }

  /**
   * The find's offer, answered while the peer file in the find is checked: its description now,
   * its candidates (and an offer that lists some) once every check passed, so nothing of ours
   * reaches the initiator's addresses before. The answer itself waits for `passed` to be sent.
   */
  private applyOffer(session: PeerSession, signals: unknown[], passed: Promise<void>): void {
    const [offer, ...rest] = signals
    const listsAddresses = /^a=candidate:/m.test((offer as { sdp?: string }).sdp ?? '')
    if (listsAddresses) rest.unshift(offer)
    else session.signal(offer)
    passed.then(
      () => rest.forEach((s) => session.signal(s)),
      () => undefined, // refused: the session is closed unseen
    )
  }

  /**
   * We were found and answered the find's offer, but another of our locations took it: the
   * initiator sends this location an offer of its own, through the finder, before anything
   * connected.
   */
  isFreshOffer(ctx: FindContext, session: PeerSession, signals: unknown[]): boolean {
    return (
      !ctx.digest &&
      !session.makesOffers &&
      session.state === 'signalling' &&
      signalType(signals[0]) === 'offer'
    )
  }

  /** A fresh offer replaces the session that answered the taken one (closed quietly: no error). */
  answerFresh(ctx: FindContext, context: string, old: PeerSession, signals: unknown[]): void {
    const session = this.host.maker.session(ctx, context, {
      role: 'target',
      initiator: false,
      remoteLocationId: old.remoteLocationId,
      send: (batch) => this.host.maker.signal(ctx, context, old.remoteLocationId, batch),
    })
    old.close()
    this.host.deps.sessions.add(session)
    for (const signal of signals) session.signal(signal)
  }
}
