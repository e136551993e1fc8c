/**
 * One tab owns the client. Two tabs of one profile would both answer the same contacts, and the
 * file pieces can be open in only one (OPFS sync access handles, src/storage/opfs-worker.ts).
 * The owner holds a Web Lock for as long as its client runs; a tab that cannot take it shows
 * "Open Peer Web is open in another tab" and "Use here", and queues for the lock: when the
 * owner's tab closes (or reloads) the browser releases it and the waiting tab starts by itself.
 * "Use here" asks the owner (over a BroadcastChannel) to stop its client cleanly — its outbox
 * and the contacts' outboxes keep every message not yet delivered, transfers resume from the
 * stored pieces — and release the lock; this tab then starts its own client. A reloaded owner
 * asks for it back the same way, so a reload leaves the client where the person is.
 */

export const TAB_LOCK = 'opw-client'
const CHANNEL = 'opw-tabs'
/** sessionStorage: this tab owned the client (or was told to take it) before a reload */
export const TAB_OWNED = 'opw-take-over'
/** held by a tab from its ask for the client until it runs it (or closes) */
const askLock = (id: string): string => `${TAB_LOCK}-ask-${id}`

/** waiting: asking for the lock · owner: this tab runs the client · elsewhere: another one does */
export type TabStatus = 'waiting' | 'owner' | 'elsewhere'

/** The part of `navigator.locks` used here. */
export interface LockManagerLike {
  request(
    name: string,
    options: { ifAvailable?: boolean; signal?: AbortSignal },
    callback: (lock: unknown) => Promise<unknown>,
  ): Promise<unknown>
}

/** The part of a `BroadcastChannel` used here. */
export interface ChannelLike {
  postMessage(message: unknown): void
  addEventListener(type: 'message', fn: (e: MessageEvent) => void): void
  close(): void
}

/** The part of `sessionStorage` used here: it survives a reload of the tab, not a new tab. */
export interface SessionLike {
  getItem(key: string): string | null
  setItem(key: string, value: string): void
  removeItem(key: string): void
}

export interface TabPorts {
  /** absent where the browser has no Web Locks: the tab simply runs the client */
  locks?: LockManagerLike | undefined
  openChannel?: ((name: string) => ChannelLike) | undefined
  session?: SessionLike | undefined
  /**
   * This page is a reload of its tab. A duplicated tab copies sessionStorage too, but is no
   * reload: it must not take the client from the tab it was copied from.
   */
  reloaded?: boolean | undefined
}

/** What the owner starts and stops: client.ts builds the app in `start`, `stop`s it. */
export interface TabRun {
  start(): Promise<void>
  stop(): Promise<void>
  /** this tab ran a client before: its stores hold the old state, so start over (reload) */
  restart(): void
}

export interface TabOwnership {
  /** "Use here" */
  takeOver(): void
  /** leaves: releases the lock, closes the channel */
  close(): void
}

type TabMessage = { type: 'take' | 'owner'; id: string }

const isMessage = (data: unknown): data is TabMessage => {
  const m = data as Partial<TabMessage> | null
  return (m?.type === 'take' || m?.type === 'owner') && typeof m.id === 'string'
}

/**
 * Takes the lock if free, else waits for it; asks the owner to hand it over on "Use here" (or
 * at once after a reload of the owning tab); reports the tab's status as it changes.
 */
export function ownClient(
  ports: TabPorts,
  run: TabRun,
  onStatus: (status: TabStatus) => void,
  opts: { signal?: AbortSignal } = {},
): TabOwnership {
  const { locks, session } = ports
  const channel = ports.openChannel?.(CHANNEL)
  const id = Math.random().toString(36).slice(2)
  const leave = new AbortController()
  opts.signal?.addEventListener('abort', () => leave.abort(), { once: true })
  /** resolves the held lock; set while this tab owns the client */
  let release: (() => void) | undefined
  let starting: Promise<void> = Promise.resolve()
  let ran = false
  let closed = false
  /** a request for the lock is queued (it is granted when the holder lets go) */
  let queued = false
  /** this tab asked for the client ("Use here", a reload of the owner) */
  let asking = false
  /** lets go of this tab's ask lock (held from the ask until this tab owns the client) */
  let asked: (() => void) | undefined
  /** other tabs that asked for the client and have not announced they run it */
  const wanted = new Set<string>()
  let waitingForAsks = false

  const post = (type: TabMessage['type']): void => channel?.postMessage({ type, id })
  const remember = (owned: boolean): void => {
    try {
      if (owned) session?.setItem(TAB_OWNED, '1')
      else session?.removeItem(TAB_OWNED)
    } catch {
      // storage refused (a private mode): a reload then waits like any other tab
    }
  }
  const restart = (): void => {
    remember(true)
    run.restart()
  }

  const hold = async (lock: unknown): Promise<void> => {
    queued = false
    if (closed) return
    if (!lock) {
      // Taken (an `ifAvailable` request): say so, and wait for the owner to let go.
      onStatus('elsewhere')
      queue()
      return
    }
    if (!asking && wanted.size) {
      // Another tab asked for the client: let it have it, even if the browser has not queued
      // its request for the lock yet.
      queueAfterAsks()
      return
    }
    const held = new Promise<void>((resolve) => (release = resolve))
    if (ran) {
      // This page's stores are spent: start over from a fresh page, holding the lock until
      // this one unloads. That page asks for the lock like any new tab, not for the client
      // (which would take it from a tab that asked meanwhile).
      run.restart()
      await held
      return
    }
    asking = false
    wanted.clear()
    ran = true
    onStatus('owner')
    remember(true)
    post('owner')
    asked?.()
    asked = undefined
    starting = run.start().catch(() => undefined)
    await starting
    await held
  }

  /** Queues for the lock unless already queued; the status stays what it is. */
  const queue = (ifAvailable = false): void => {
    if (!locks || closed || queued) return
    queued = true
    locks
      .request(TAB_LOCK, ifAvailable ? { ifAvailable } : { signal: leave.signal }, hold)
      .catch(() => {
        // aborted (the tab is closing) or the lock manager failed: nothing runs here
        queued = false
        if (!closed) onStatus('elsewhere')
      })
  }

  /**
   * Queues for the lock once every tab that asked for the client got it or closed. An asker
   * holds its ask lock from before it says so until it runs the client; waiting for that lock
   * keeps this tab out of the queue for as long as the ask is alive, however late the browser
   * queues the asker's own request for the client's lock.
   */
  const queueAfterAsks = (): void => {
    if (!locks || closed || waitingForAsks) return
    const asks = [...wanted]
    if (!asks.length) return queue()
    waitingForAsks = true
    void Promise.all(
      asks.map((ask) =>
        locks
          .request(askLock(ask), { signal: leave.signal }, async () => undefined)
          .catch(() => undefined),
      ),
    ).then(() => {
      waitingForAsks = false
      for (const ask of asks) wanted.delete(ask)
      queueAfterAsks()
    })
  }

  const handOver = async (to: string): Promise<void> => {
    const done = release
    if (!done) return
    release = undefined
    // If the lock comes back here before the asker got it, this tab lets it pass.
    wanted.add(to)
    try {
      // A take that arrives while the client is still starting waits for it: stopping a
      // client half made would leave the rest of it running beside the new tab's.
      await starting
      await run.stop()
    } finally {
      remember(false)
      onStatus('elsewhere')
      // In the queue again once the asker runs the client: this tab takes it back by itself
      // when the new owner's tab closes.
      queueAfterAsks()
      done()
    }
  }

  channel?.addEventListener('message', (e) => {
    const message: unknown = e.data
    if (!isMessage(message) || message.id === id || closed) return
    if (message.type === 'owner') {
      wanted.delete(message.id)
      // Another tab got the client while this one was asking for it (it was granted the lock
      // before it heard the ask): ask again, so the last ask wins.
      if (asking) post('take')
      return
    }
    if (release && !asking) void handOver(message.id)
    else wanted.add(message.id)
  })

  const takeOver = (): void => {
    if (ran) {
      restart()
      return
    }
    if (asking || !locks) return
    asking = true
    onStatus('waiting')
    // Hold the ask lock, then ask, then queue for the client's lock (if not already waiting
    // for it): the owner releases it once its client has stopped; other tabs wait for the ask
    // lock before they queue again. The browser lets go of the ask lock if this tab closes.
    locks
      .request(askLock(id), { signal: leave.signal }, async () => {
        if (closed) return
        const letGo = new Promise<void>((resolve) => (asked = resolve))
        post('take')
        queue()
        await letGo
      })
      .catch(() => undefined)
  }

  let reclaim = false
  try {
    reclaim = !!ports.reloaded && session?.getItem(TAB_OWNED) === '1'
    session?.removeItem(TAB_OWNED)
  } catch {
    // storage refused: no reclaim
  }

  if (!locks) {
    onStatus('owner')
    ran = true
    void run.start()
  } else if (reclaim) takeOver()
  else {
    onStatus('waiting')
    queue(true)
  }

  return {
    takeOver,
    close() {
      closed = true
      leave.abort()
      channel?.close()
      release?.()
      release = undefined
      asked?.()
      asked = undefined
    },
  }
}
