import type { PeerSession } from '../session/peer-session.ts'
import { viewOf, type Entry } from './entry.ts'
import type { TorrentEvents, TorrentView } from './types.ts'

export interface TickerDeps {
  entries: Map<string, Entry>
  /** open wires of a torrent */
  peers: (infoHash: string) => number
  sessions: () => PeerSession[]
  ask: (session: PeerSession, entry: Entry) => Promise<void>
  emit: <K extends keyof TorrentEvents>(event: K, payload: TorrentEvents[K]) => void
  /** ms between progress events of one torrent */
  every: number
  /** ms between asking contacts again for wires of unfinished downloads */
  retryEvery: number
  now: () => number
}

/**
 * One timer for all torrents: `torrent:progress` at most every `every` ms per torrent and only
 * when something changed, and a periodic re-ask for wires (a contact may have got the file,
 * or turned seeding back on, since it last declined).
 */
export class Ticker {
  private timer: ReturnType<typeof setInterval> | undefined
  private lastRetry = 0

  constructor(private readonly deps: TickerDeps) {}

  start(): void {
    clearInterval(this.timer)
    this.timer = setInterval(() => this.tick(), this.deps.every)
    ;(this.timer as { unref?: () => void }).unref?.()
  }

  stop(): void {
    clearInterval(this.timer)
    this.timer = undefined
  }

  /** Emits the torrent's progress now if it changed (or always, when `force`). */
  report(entry: Entry, force: boolean): void {
    const view = this.view(entry)
    const key = `${view.state}|${view.downloaded}|${view.uploaded}|${view.peers}|${view.downloadSpeed}|${view.uploadSpeed}`
    if (!force && key === entry.lastSent) return
    entry.lastSent = key
    this.deps.emit('torrent:progress', view)
  }

  view(entry: Entry): TorrentView {
    return viewOf(entry, this.deps.peers(entry.record.infoHash))
  }

  private tick(): void {
    const { deps } = this
    const retry = deps.now() - this.lastRetry >= deps.retryEvery
    if (retry) this.lastRetry = deps.now()
    for (const entry of deps.entries.values()) {
      this.report(entry, false)
      if (retry) for (const session of deps.sessions()) void deps.ask(session, entry)
    }
  }
}
