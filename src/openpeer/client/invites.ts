import { raceSignal, withTimeout } from '../async.ts'
import { OpenPeerError, isOpenPeerError } from '../errors.ts'
import { parseInvite, type Invite } from '../identity/invite.ts'
import { decodeLinkCard } from '../identity/link-card.ts'
import { verifyPeerFile, type VerifiedPeerFile } from '../identity/peer-file.ts'
import type { ContactRecord, StoredIdentity } from '../ports.ts'
import type { SessionManager } from '../session/manager.ts'
import type { Rendezvous } from '../session/rendezvous.ts'
import type { ContactStates } from './contact-states.ts'
import type { Contacts } from './contacts.ts'
import type { FinderPool } from '../finder/pool.ts'
import type { ClientParts } from './parts.ts'
import type { Reach } from './reach.ts'
import type { ClientEvents, ContactView } from './types.ts'
import { trace } from '../trace.ts'

/** What accepting an invite needs from the client. */
export interface InviteDeps {
  me: StoredIdentity
  contacts: Contacts
  sessions: SessionManager
  states: ContactStates
  /** the finder pool; throws when the client is not started */
  pool: () => FinderPool
  rendezvous: Rendezvous | undefined
  upsert(peer: VerifiedPeerFile, findSecret?: string): Promise<void>
  onSecurityAlert(fn: (error: OpenPeerError, contactId?: string) => void): () => void
  /** reports a security failure about `contactId` (a card the finder served that is not theirs) */
  alert(error: unknown, contactId: string): void
  /** ms until the whole invite gives up */
  timeout: number
  now: () => number
  /** cards fetched and checked ahead of opening (prefetchInvite), by `${domain} ${contactId}` */
  prefetched: Map<string, Prefetched>
}

/** What the client itself gives its invites, beside its parts. */
export interface InviteHost {
  /** finders, ICE, the find exchange and ringing: present while started */
  reach: () => Reach | undefined
  on<K extends 'security:alert'>(event: K, handler: (payload: ClientEvents[K]) => void): () => void
  /** ms until the whole invite gives up */
  timeout: number
  prefetched: Map<string, Prefetched>
}

/** A client's invite deps, made for each invite (its reach is read when the invite needs it). */
export function inviteDepsOf(parts: ClientParts, host: InviteHost): InviteDeps {
  return {
    me: parts.identity.require(),
    contacts: parts.contactBook,
    sessions: parts.sessions,
    states: parts.states,
    pool: () => {
      const reach = host.reach()
      if (!reach) throw new OpenPeerError('ERR_UNAVAILABLE', 'the client is not started')
      return reach.pool
    },
    rendezvous: host.reach()?.rendezvous,
    upsert: (peer, findSecret) => parts.upsert(peer, { findSecret }),
    now: parts.replay.now,
    onSecurityAlert: (fn) =>
      host.on('security:alert', ({ error, contact }) => fn(error, contact?.contactId)),
    alert: (err, contactId) => parts.report(err, 'opening an invite', contactId),
    timeout: host.timeout,
    prefetched: host.prefetched,
  }
}

/** A card fetched before its link was opened, and when (ms, deps.now). */
export interface Prefetched {
  at: number
  card: Promise<VerifiedPeerFile>
}

const cardKey = (invite: Invite): string => `${invite.domain} ${invite.contactId}`

/** How long a card fetched ahead is used instead of asking the finder again. */
const PREFETCH_FRESH = 60_000

/**
 * Fetches and checks the card of an invite link that was pasted but not yet opened: opening it
 * then skips the finder round trip (one RTT on a phone's network). Anything it cannot use (not
 * a link, our own, a contact already connected, a finder error, a card that does not check)
 * is dropped silently: opening the link fetches again and says what is wrong.
 */
export function prefetchInvite(deps: InviteDeps, text: string): void {
  let invite: Invite
  try {
    invite = parseInvite(text)
  } catch {
    return
  }
  // A link that carries its card has nothing to fetch.
  if (invite.card || invite.contactId === deps.me.contactId) return
  if (deps.sessions.ofContact(invite.contactId).length) return
  const key = cardKey(invite)
  const now = deps.now()
  for (const [k, p] of deps.prefetched) if (now - p.at > PREFETCH_FRESH) deps.prefetched.delete(k)
  if (deps.prefetched.has(key)) return
  const signal = AbortSignal.timeout(deps.timeout)
  const card = (async () => {
    const finder = await deps.pool().get(invite.domain, { signal })
    return fetchCard(finder, invite, deps.now(), signal)
  })()
  deps.prefetched.set(key, { at: now, card })
  card.catch(() => deps.prefetched.delete(key))
}

/**
 * The inviter's section A from `finder`, checked against the link's contact id; `onBadCard`
 * hears of a card that does not check (the finder served someone else's).
 */
async function fetchCard(
  finder: Awaited<ReturnType<FinderPool['get']>>,
  invite: Invite,
  now: number,
  signal: AbortSignal,
  onBadCard: (err: unknown) => void = () => undefined,
): Promise<VerifiedPeerFile> {
  const { peer } = await finder
    .request('peer-file-get', { contactId: invite.contactId }, { signal })
    .catch((err: unknown) => {
      throw isOpenPeerError(err, 'ERR_NOT_FOUND')
        ? new OpenPeerError('ERR_NOT_FOUND', `nobody with this invite is known at ${invite.domain}`)
        : err
    })
  trace('invite:peer-file')
  return verifyPeerFile({ A: peer.A }, invite.contactId, now).catch((err: unknown) => {
    onBadCard(err)
    throw err
  })
}

/**
 * The card the link carries, checked as a fetched one is: A's signature, A hashing to the
 * link's contact id, A not expired. A card that does not check means a damaged (or doctored)
 * link, not a lying finder: ERR_INVITE, and nothing is sent anywhere.
 */
async function linkCard(invite: Invite, card: string, now: number): Promise<VerifiedPeerFile> {
  try {
    return await verifyPeerFile(
      { A: await decodeLinkCard(card, invite.domain) },
      invite.contactId,
      now,
    )
  } catch (cause) {
    if (isOpenPeerError(cause, 'ERR_EXPIRED')) throw cause
    const why =
      cause instanceof TypeError ? cause.message : "the card it carries is not this contact's"
    throw new OpenPeerError('ERR_INVITE', `the invite link is damaged: ${why}`, { cause })
  }
}

/** A prefetched card for the link, if one is fresh and checked; undefined otherwise. */
async function takePrefetched(
  deps: InviteDeps,
  invite: Invite,
): Promise<VerifiedPeerFile | undefined> {
  const key = cardKey(invite)
  const ahead = deps.prefetched.get(key)
  deps.prefetched.delete(key)
  if (!ahead || deps.now() - ahead.at > PREFETCH_FRESH) return undefined
  return ahead.card.catch(() => undefined)
}

/** Opens an invite link: fetches and checks the inviter's card, rings them, resolves once connected. */
export async function acceptInvite(
  deps: InviteDeps,
  text: string,
  opts: { signal?: AbortSignal } = {},
): Promise<ContactView> {
  const { me, contacts, sessions, states } = deps
  trace('invite:start')
  const invite = parseInvite(text)
  if (invite.contactId === me.contactId)
    throw new OpenPeerError('ERR_INVITE', 'this is your own invite link')
  const existing = contacts.get(invite.contactId)
  if (existing && sessions.ofContact(invite.contactId).length) return states.view(existing)
  const pool = deps.pool()
  const signal = withTimeout(deps.timeout, opts.signal)
  const linked = invite.card ? linkCard(invite, invite.card, deps.now()) : undefined
  linked?.catch(() => undefined)
  const finder = await pool.get(invite.domain, { signal })
  trace('invite:finder')
  const checked = (async () => {
    const card =
      (await linked) ??
      (await takePrefetched(deps, invite)) ??
      // The finder served someone else's section A: nothing is sent to it, and the person is
      // told whose invite it lied about.
      (await fetchCard(finder, invite, deps.now(), signal, (err) =>
        deps.alert(err, invite.contactId),
      ))
    trace('invite:peer-file-checked')
    return card
  })()
  const opened = waitForSession(deps, invite.contactId, signal)
  opened.catch(() => undefined)
  // An invite that fails (an alert, a timeout) abandons its find's offer, if nobody took it.
  const abandon = new AbortController()
  const findSignal = AbortSignal.any([signal, abandon.signal])
  try {
    // Someone waits to be connected: the find carries our offer, made while the card is fetched
    // and checked (Rendezvous.find); nothing is sent to the finder before the card passed.
    const target = checked.then((card) => ({ ...invite, A: card.file.A }))
    if (deps.rendezvous)
      await deps.rendezvous.find(finder, target, { signal: findSignal, offer: true })
    else await checked
  } catch (err) {
    abandon.abort()
    if (isOpenPeerError(err, 'ERR_FIND_DENIED')) {
      throw new OpenPeerError(
        'ERR_FIND_DENIED',
        'this invite link was reset by its owner and no longer works',
      )
    }
    if (isOpenPeerError(err, 'ERR_NOT_FOUND')) {
      await deps.upsert(await checked, invite.findSecret)
      throw new OpenPeerError(
        'ERR_UNAVAILABLE',
        'they are not online right now; you will be connected when they are',
      )
    }
    throw err
  }
  const card = await checked
  trace('invite:found')
  states.finding(invite.contactId, 20_000)
  await deps.upsert(card, invite.findSecret)
  trace('invite:saved')
  try {
    if (!sessions.ofContact(invite.contactId).length) await opened
  } catch (err) {
    abandon.abort()
    // No longer "connecting": the contact shows why it failed.
    states.found(invite.contactId)
    throw err
  }
  return states.view(contacts.get(invite.contactId) as ContactRecord)
}

/**
 * Resolves when a session with the contact opens; fails fast on a security failure. Running out
 * of time is ERR_TIMEOUT; the caller's own abort stays ERR_ABORTED.
 */
function waitForSession(deps: InviteDeps, contactId: string, signal: AbortSignal): Promise<void> {
  return raceSignal<void>(
    signal,
    (resolve, reject) => {
      const off = deps.sessions.on('open', (s) => {
        if (s.remoteContactId === contactId) resolve()
      })
      // A session with them that failed before opening says why, rather than a late timeout.
      const offEnded = deps.sessions.on('ended', ({ session, error }) => {
        if (session.remoteContactId === contactId && !session.remotePeer && error) reject(error)
      })
      // An attack on this invite ends it; one about somebody else does not.
      const offAlert = deps.onSecurityAlert((error, about) => {
        if (about === undefined || about === contactId) reject(error)
      })
      return () => (off(), offEnded(), offAlert())
    },
    { onTimeout: () => new OpenPeerError('ERR_TIMEOUT', 'the contact did not answer in time') },
  )
}
