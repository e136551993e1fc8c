import { OpenPeerError } from '../errors.ts'
import type { PeerSession } from '../session/peer-session.ts'
import type { NotifyBody } from '../wire/messages.ts'
import { infoHashSchema } from '../wire/schemas.ts'
import { infoOf, type Entry } from './entry.ts'
import { cleanMime, magnetOf, sourcesOf, withSources, type MagnetSources } from './names.ts'
import type { TorrentEvents, TorrentInfo } from './types.ts'

export interface OffersDeps {
  entries: Map<string, Entry>
  sessions: () => PeerSession[]
  save: (entry: Entry) => Promise<void>
  emit: <K extends keyof TorrentEvents>(event: K, payload: TorrentEvents[K]) => void
  ask: (session: PeerSession, entry: Entry) => Promise<void>
  /** a card came again with sources (web seeds) the file we hold may not know yet */
  merge: (entry: Entry, sources: MagnetSources) => void
}

/** Cards remembered per infohash, so a download started from an older card gets newer sources. */
const CARDS_MAX = 500

/** File cards (`torrent-offer`) going out to contacts and coming in from them. */
export class Offers {
  private readonly cards = new Map<string, TorrentInfo>()

  constructor(private readonly deps: OffersDeps) {}

  /** The sources the newest card received for `infoHash` names (a sharer adds web seeds later). */
  latestSources(infoHash: string): MagnetSources {
    const card = this.cards.get(infoHash)
    return card ? sourcesOf(card.magnet) : {}
  }

  async offer(contactId: string, entry: Entry): Promise<{ sent: boolean }> {
    const sessions = this.deps.sessions().filter((s) => s.remoteContactId === contactId)
    this.remember(entry, contactId)
    const { record } = entry
    const sent = sessions.filter((s) => send(s, infoOf(record))).length > 0
    const pending = new Set(record.pendingOffers ?? [])
    if (sent) pending.delete(contactId)
    else pending.add(contactId)
    record.pendingOffers = [...pending]
    await this.deps.save(entry)
    return { sent }
  }

  /** A contact connected: offers made while they were away go out now. */
  flush(session: PeerSession): void {
    const contactId = session.remoteContactId
    for (const entry of this.deps.entries.values()) {
      const pending = entry.record.pendingOffers
      if (!pending?.includes(contactId) || !send(session, infoOf(entry.record))) continue
      entry.record.pendingOffers = pending.filter((id) => id !== contactId)
      void this.deps.save(entry)
    }
  }

  received(session: PeerSession, body: NotifyBody<'torrent-offer'>): void {
    const contactId = session.remoteContactId
    this.cards.delete(body.infoHash)
    this.cards.set(body.infoHash, body)
    if (this.cards.size > CARDS_MAX) this.cards.delete(this.cards.keys().next().value as string)
    this.deps.emit('torrent:offer', { contactId, ...body })
    // They have it: if we are fetching it, they are one more source, and so are its web seeds.
    const entry = this.deps.entries.get(body.infoHash)
    if (entry) {
      this.remember(entry, contactId)
      this.deps.merge(entry, sourcesOf(body.magnet))
      void this.deps.ask(session, entry)
    }
  }

  /** Notes a contact the file went to or came from. */
  remember(entry: Entry, contactId: string): void {
    if (entry.record.contactIds.includes(contactId)) return
    entry.record.contactIds.push(contactId)
    void this.deps.save(entry)
  }
}

function send(session: PeerSession, info: TorrentInfo): boolean {
  try {
    session.notify('torrent-offer', info)
    return true
  } catch {
    return false // closed meanwhile: stays pending
  }
}

/** An infohash, a magnet link or a file card, as the info a download starts from. */
export function parseTarget(target: string | TorrentInfo): TorrentInfo {
  if (typeof target !== 'string') {
    if (!infoHashSchema.safeParse(target.infoHash).success) throw notTarget()
    // Its magnet rebuilt: no trackers or peers, only the sources we use.
    return { ...target, magnet: withSources(target, {}), mime: cleanMime(target.mime) }
  }
  const text = target.trim()
  let infoHash = text.toLowerCase()
  let name: string | undefined
  let size = 0
  let sources: MagnetSources = {}
  if (text.startsWith('magnet:?')) {
    const params = new URLSearchParams(text.slice('magnet:?'.length))
    const xt = params.getAll('xt').find((x) => /^urn:btih:[0-9a-f]{40}$/i.test(x))
    if (!xt) throw notTarget()
    infoHash = xt.slice('urn:btih:'.length).toLowerCase()
    name = params.get('dn') ?? undefined
    size = Number(params.get('xl') ?? 0) || 0
    sources = sourcesOf(text)
  }
  if (!infoHashSchema.safeParse(infoHash).success) throw notTarget()
  // Until metadata arrives the infohash stands in for the name (WebTorrent then names it).
  name = name?.slice(0, 255) || infoHash
  return {
    infoHash,
    magnet: magnetOf(infoHash, name, size, sources),
    name,
    size,
    mime: cleanMime(''),
  }
}

function notTarget(): OpenPeerError {
  return new OpenPeerError(
    'ERR_BAD_MESSAGE',
    'not a file to download: expected an infohash (40 hex digits) or a magnet link',
  )
}
