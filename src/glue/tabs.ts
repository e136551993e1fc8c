/**
 * One tab owns the client. Two tabs of one profile would both answer the same contacts, and the
 * file pieces can be open in only one (OPFS sync access handles, src/storage/opfs-worker.ts).
 * The owner holds a Web Lock for as long as its client runs; a tab that cannot take it shows
 * "Open Peer Web is open in another tab" and "Use here". Using it here asks the owner (over a
 * BroadcastChannel) to stop its client cleanly — its outbox and the contacts' outboxes keep
 * every message not yet delivered, transfers resume from the stored pieces — and release the
 * lock; this tab then starts its own client.
 */

export const TAB_LOCK = 'opw-client'
const CHANNEL = 'opw-tabs'

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

export interface TabPorts {
  /** absent where the browser has no Web Locks: the tab simply runs the client */
  locks?: LockManagerLike | undefined
  openChannel?: ((name: string) => ChannelLike) | undefined
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

/**
 * Takes the lock if free (or, with `takeOver`, asks the owner to hand it over) and reports
 * the tab's status as it changes.
 */
export function ownClient(
  ports: TabPorts,
  run: TabRun,
  onStatus: (status: TabStatus) => void,
  opts: { takeOver?: boolean; signal?: AbortSignal } = {},
): TabOwnership {
  const { locks } = ports
  const channel = ports.openChannel?.(CHANNEL)
  let release: (() => void) | undefined
  let ran = false
  let closed = false

  const hold = async (lock: unknown): Promise<void> => {
    if (!lock || closed) {
      onStatus('elsewhere')
      return
    }
    onStatus('owner')
    ran = true
    const held = new Promise<void>((resolve) => (release = resolve))
    await run.start()
    await held
  }

  const handOver = async (): Promise<void> => {
    const done = release
    if (!done) return
    release = undefined
    try {
      await run.stop()
    } finally {
      onStatus('elsewhere')
      done()
    }
  }

  channel?.addEventListener('message', (e) => {
    if ((e.data as { type?: string } | null)?.type === 'take') void handOver()
  })

  const request = (ifAvailable: boolean): void => {
    if (!locks) return
    locks
      .request(TAB_LOCK, ifAvailable ? { ifAvailable } : { signal: opts.signal }, hold)
      .catch(() => {
        // aborted (the tab is closing) or the lock manager failed: nothing runs here
        if (!closed) onStatus('elsewhere')
      })
  }

  const takeOver = (): void => {
    if (ran) {
      run.restart()
      return
    }
    onStatus('waiting')
    // Ask first, then queue for the lock: the owner releases it once its client has stopped.
    channel?.postMessage({ type: 'take' })
    request(false)
  }

  if (!locks) {
    onStatus('owner')
    ran = true
    void run.start()
  } else if (opts.takeOver) takeOver()
  else {
    onStatus('waiting')
    request(true)
  }

  return {
    takeOver,
    close() {
      closed = true
      channel?.close()
      release?.()
      release = undefined
    },
  }
}
