import { Backoff, raceSignal, withTimeout } from '../async.ts'
import { OpenPeerError, asOpenPeerError, isOpenPeerError } from '../errors.ts'
import { Emitter } from '../events.ts'
import { Bootstrapper } from './bootstrap.ts'
import { FinderConnection, type FinderState } from './connection.ts'
import type { ClientPorts, IceServer } from '../ports.ts'
import type { LocalIdentity } from '../session/identify.ts'
import type { NotifyOf, RequestOf } from '../wire/messages.ts'
import { makeProof } from '../wire/proof.ts'
import type { Bootstrap, TurnGrant } from '../wire/schemas.ts'

export interface FinderPoolEvents {
  state: { domain: string; state: FinderState; error?: OpenPeerError | undefined }
  registered: { domain: string; finder: FinderConnection; turn?: TurnGrant | undefined }
  request: { finder: FinderConnection; message: RequestOf<'peer-location-find'> }
  notify: {
    finder: FinderConnection
    message: NotifyOf<'peer-location-find'> | NotifyOf<'peer-location-signal'>
  }
}

interface Entry {
  domain: string
  conn?: FinderConnection
  bootstrap?: Bootstrap
  registered: boolean
  state: FinderState
  timer?: ReturnType<typeof setTimeout>
  /** paces bootstrap and registration retries */
  backoff: Backoff
}

export interface FinderPoolOptions {
  ports: Pick<ClientPorts, 'createSocket' | 'fetch'>
  me: () => LocalIdentity
  home: string
  /**
   * ms between heartbeats on each registered finder socket (each one a keep-alive), and how
   * long one may go unanswered before the socket is given up as dead and replaced
   */
  heartbeat?: { every?: number; timeout?: number }
  /** the clock registration proofs are dated by */
  now?: () => number
  /** the page's origin: its own domain is bootstrapped over the page's scheme */
  origin?: string | undefined
  minDelay?: number
  maxDelay?: number
  /** picks among a domain's several finders (tests make it deterministic) */
  random?: () => number
}

/**
 * One registered finder connection per domain: the home finder (registered with B, so we can
 * be found) and the finders of other domains we ring (federation; registered without B, only
 * so that replies can reach us). Owns bootstrap retries, registration and keep-alives.
 */
export class FinderPool extends Emitter<FinderPoolEvents> {
  private readonly entries = new Map<string, Entry>()
  private readonly bootstrapper: Bootstrapper
  private stopped = false

  constructor(private readonly opts: FinderPoolOptions) {
    super()
    this.bootstrapper = new Bootstrapper(opts.ports.fetch, undefined, opts.origin)
  }

  start(): void {
    this.stopped = false
    this.entry(this.opts.home)
  }

  stop(): void {
    this.stopped = true
    for (const e of this.entries.values()) {
      clearTimeout(e.timer)
      e.conn?.stop()
    }
    this.entries.clear()
  }

  state(domain = this.opts.home): FinderState {
    return this.entries.get(domain)?.state ?? 'offline'
  }

  iceServers(): IceServer[] {
    return this.entries.get(this.opts.home)?.bootstrap?.iceServers ?? []
  }

  /** A registered connection to `domain`'s finder, waiting (bounded by `signal`) until there is one. */
  async get(domain: string, opts: { signal?: AbortSignal } = {}): Promise<FinderConnection> {
    if (this.stopped) throw new OpenPeerError('ERR_FINDER_UNREACHABLE', 'the client is stopped')
    const entry = this.entry(domain)
    if (entry.registered && entry.conn) return entry.conn
    return raceSignal<FinderConnection>(
      withTimeout(10_000, opts.signal),
      (resolve, reject) => {
        const off = this.on('registered', (e) => {
          if (e.domain === domain) resolve(e.finder)
        })
        const offState = this.on('state', (e) => {
          // An unreachable finder of an invite should fail fast, not wait out the timeout.
          if (e.domain === domain && e.state === 'offline' && e.error && domain !== this.opts.home)
            reject(e.error)
        })
        return () => (off(), offState())
      },
      {
        onTimeout: () =>
          new OpenPeerError('ERR_FINDER_UNREACHABLE', `the finder of ${domain} cannot be reached`),
      },
    )
  }

  /** Registers again everywhere (after the find secret or the display name changed). */
  async reregister(): Promise<void> {
    await Promise.all(
      [...this.entries.values()].filter((e) => e.conn?.online).map((e) => this.register(e)),
    )
  }

  /**
   * The network may have changed (back online, a tab shown again, a laptop woken): reconnect
   * what is offline now, and test what claims to be online rather than trust it.
   */
  retryNow(): void {
    for (const e of this.entries.values()) {
      if (e.conn?.online) void this.heartbeat(e)
      else if (e.conn) e.conn.retryNow()
      else if (!e.timer) void this.connect(e)
    }
  }

  /** One keep-alive with a short deadline: an unanswered one means the socket is dead. */
  private async heartbeat(entry: Entry): Promise<void> {
    const conn = entry.conn
    if (!conn?.online || !entry.registered) return
    try {
      await conn.request(
        'session-keep-alive',
        {},
        { timeout: this.opts.heartbeat?.timeout ?? 5_000 },
      )
    } catch (err) {
      if (conn !== entry.conn || this.stopped) return
      if (isOpenPeerError(err, 'ERR_TIMEOUT') || isOpenPeerError(err, 'ERR_FINDER_UNREACHABLE')) {
        conn.restart('the finder stopped answering')
      } else void this.register(entry)
    }
  }

  private entry(domain: string): Entry {
    let entry = this.entries.get(domain)
    if (!entry) {
      entry = { domain, registered: false, state: 'offline', backoff: this.newBackoff() }
      this.entries.set(domain, entry)
      void this.connect(entry)
    }
    return entry
  }

  private newBackoff(): Backoff {
    const { minDelay, maxDelay } = this.opts
    return new Backoff({
      ...(minDelay !== undefined ? { min: minDelay } : {}),
      ...(maxDelay !== undefined ? { max: maxDelay } : {}),
    })
  }

  private setState(entry: Entry, state: FinderState, error?: OpenPeerError): void {
    entry.state = state
    this.emit('state', { domain: entry.domain, state, error })
  }

  private async connect(entry: Entry): Promise<void> {
    entry.timer = undefined
    this.setState(entry, 'connecting')
    try {
      entry.bootstrap = await this.bootstrapper.get(entry.domain)
    } catch (err) {
      if (this.stopped || this.entries.get(entry.domain) !== entry) return
      this.setState(
        entry,
        'offline',
        asOpenPeerError(err, 'bootstrap failed', 'ERR_FINDER_UNREACHABLE'),
      )
      entry.timer = setTimeout(() => void this.connect(entry), entry.backoff.next())
      return
    }
    if (this.stopped || this.entries.get(entry.domain) !== entry) return
    // A cluster lists several finders: the connection spreads over them and fails over.
    const conn = new FinderConnection({
      url: entry.bootstrap.finders[0] ?? '',
      urls: entry.bootstrap.finders,
      createSocket: this.opts.ports.createSocket,
      ...(this.opts.random ? { random: this.opts.random } : {}),
      ...(this.opts.minDelay !== undefined ? { minDelay: this.opts.minDelay } : {}),
      ...(this.opts.maxDelay !== undefined ? { maxDelay: this.opts.maxDelay } : {}),
    })
    entry.conn = conn
    let keepAlive: ReturnType<typeof setInterval> | undefined
    conn.on('open', () => {
      void this.register(entry).then(() => {
        clearInterval(keepAlive)
        // The keep-alive is also the heartbeat: often enough that a socket which died without
        // a close is noticed within seconds, not at the registration's expiry.
        const ttl = entry.bootstrap?.limits.registrationTtl ?? 300_000
        const every = Math.min(this.opts.heartbeat?.every ?? 15_000, ttl / 3)
        keepAlive = setInterval(() => void this.heartbeat(entry), every)
      })
    })
    conn.on('state', ({ state, error }) => {
      if (state === 'online') return // "online" for us means registered, reported by register()
      entry.registered = false
      clearInterval(keepAlive)
      this.setState(entry, state, error)
    })
    conn.on('request', (message) => this.emit('request', { finder: conn, message }))
    conn.on('notify', (message) => {
      if (message.type === 'peer-location-find' || message.type === 'peer-location-signal') {
        this.emit('notify', {
          finder: conn,
          message: message as FinderPoolEvents['notify']['message'],
        })
      }
    })
    conn.start()
  }

  private async register(entry: Entry): Promise<void> {
    const conn = entry.conn
    if (!conn) return
    const me = this.opts.me()
    const home = entry.domain === this.opts.home
    try {
      const proof = await makeProof(
        me.keys.sign.privateKey,
        {
          finder: entry.domain,
          location: me.location,
          peer: home ? { A: me.file.A, B: me.file.B } : { A: me.file.A },
        },
        undefined,
        (this.opts.now ?? Date.now)(),
      )
      const { turn } = await conn.request('session-create', { proof })
      entry.registered = true
      entry.backoff.reset()
      this.setState(entry, 'online')
      this.emit('registered', { domain: entry.domain, finder: conn, turn })
    } catch (err) {
      entry.registered = false
      this.setState(entry, 'offline', asOpenPeerError(err, 'registration failed'))
      // Try again later, paced like reconnects, while the socket stays up.
      clearTimeout(entry.timer)
      entry.timer = setTimeout(() => {
        entry.timer = undefined
        if (conn.online && !entry.registered && !this.stopped) void this.register(entry)
      }, entry.backoff.next())
    }
  }
}
