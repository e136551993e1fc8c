import { describe, expect, it, vi } from 'vitest'
import {
  ownClient,
  TAB_LOCK,
  TAB_OWNED,
  type ChannelLike,
  type LockManagerLike,
  type SessionLike,
  type TabStatus,
} from './tabs.ts'

/** Web Locks for one origin: one holder at a time, waiters in order, `ifAvailable` answers null. */
function lockManager(): LockManagerLike {
  const held = new Set<string>()
  const queues = new Map<string, (() => void)[]>()
  const run = async (name: string, cb: (lock: unknown) => Promise<unknown>) => {
    held.add(name)
    try {
      return await cb({ name })
    } finally {
      held.delete(name)
      queues.get(name)?.shift()?.()
    }
  }
  return {
    async request(name, options, cb) {
      if (!held.has(name)) return run(name, cb)
      if (options.ifAvailable) return cb(null)
      await new Promise<void>((resolve) => {
        const q = queues.get(name) ?? []
        q.push(resolve)
        queues.set(name, q)
      })
      return run(name, cb)
    },
  }
}

/**
 * BroadcastChannel between the tabs of one origin: a message reaches every other channel.
 * `delivered` counts the messages handed to a listener so far.
 */
function channels() {
  const open = new Set<{ name: string; deliver: (data: unknown) => void }>()
  let delivered = 0
  const openChannel = (name: string): ChannelLike => {
    const listeners: ((e: MessageEvent) => void)[] = []
    const me = {
      name,
      deliver: (data: unknown) =>
        listeners.forEach((fn) => {
          fn({ data } as MessageEvent)
          delivered++
        }),
    }
    open.add(me)
    return {
      postMessage: (data) =>
        queueMicrotask(() => {
          for (const other of open) if (other !== me && other.name === name) other.deliver(data)
        }),
      addEventListener: (_type, fn) => void listeners.push(fn),
      close: () => void open.delete(me),
    }
  }
  return Object.assign(openChannel, { delivered: () => delivered })
}

/** sessionStorage of one browser tab: kept across its reloads. */
function sessionOf(): SessionLike & { data: Map<string, string> } {
  return {
    data: new Map<string, string>(),
    getItem(k) {
      return this.data.get(k) ?? null
    },
    setItem(k, v) {
      this.data.set(k, v)
    },
    removeItem(k) {
      this.data.delete(k)
    },
  }
}

/** Which tabs run a client now; a second one at the same time is the bug this module prevents. */
function clients() {
  const running = new Set<string>()
  let most = 0
  return {
    running,
    started(name: string) {
      running.add(name)
      most = Math.max(most, running.size)
    },
    most: () => most,
  }
}

type Ports = { locks: LockManagerLike; openChannel: (name: string) => ChannelLike }

/** One tab: its status as shown, and what happened to its client, in order. */
function tab(
  ports: Ports & { session?: SessionLike; reloaded?: boolean },
  log: string[],
  name: string,
  opts: { takeOver?: boolean; running?: ReturnType<typeof clients>; starting?: Promise<void> } = {},
) {
  const seen: TabStatus[] = []
  let restarted = 0
  const { running, starting, takeOver } = opts
  // Taking over at once is what a reload of the owning tab does: its session is marked.
  const owned = sessionOf()
  owned.setItem(TAB_OWNED, '1')
  const ownership = ownClient(
    takeOver ? { ...ports, reloaded: true, session: owned } : ports,
    {
      start: async () => {
        log.push(`${name} start`)
        running?.started(name)
        if (starting) {
          await starting
          log.push(`${name} started`)
        }
      },
      stop: async () => {
        if (starting) log.push(`${name} stopping`)
        await new Promise((r) => setTimeout(r, 5))
        running?.running.delete(name)
        log.push(`${name} stop`)
      },
      restart: () => void restarted++,
    },
    (s) => void seen.push(s),
  )
  return {
    own: ownership,
    seen,
    status: () => seen.at(-1),
    restarted: () => restarted,
    /** the tab is closed (or reloaded): the browser releases its lock, its client just ends */
    close() {
      running?.running.delete(name)
      ownership.close()
    },
  }
}

describe('one tab owns the client', () => {
  it('the first tab runs the client; a second one says it is open elsewhere and starts nothing', async () => {
    const ports = { locks: lockManager(), openChannel: channels() }
    const log: string[] = []
    const first = tab(ports, log, 'first')
    await vi.waitFor(() => expect(first.status()).toBe('owner'))
    const second = tab(ports, log, 'second')
    await vi.waitFor(() => expect(second.status()).toBe('elsewhere'))
    expect(log).toEqual(['first start'])
  })

  it('"Use here": the owner stops its client before the new tab starts one; the old tab shows the notice', async () => {
    const ports = { locks: lockManager(), openChannel: channels() }
    const log: string[] = []
    const first = tab(ports, log, 'first')
    await vi.waitFor(() => expect(first.status()).toBe('owner'))
    const second = tab(ports, log, 'second')
    await vi.waitFor(() => expect(second.status()).toBe('elsewhere'))
    second.own.takeOver()
    await vi.waitFor(() => expect(second.status()).toBe('owner'))
    expect(log).toEqual(['first start', 'first stop', 'second start'])
    expect(first.status()).toBe('elsewhere')
    // Back in the first tab, which ran a client before: it starts over (a reload) to take over.
    first.own.takeOver()
    expect(first.restarted()).toBe(1)
  })

  it('a tab reloaded to take over asks for the client at once', async () => {
    const ports = { locks: lockManager(), openChannel: channels() }
    const log: string[] = []
    const first = tab(ports, log, 'first')
    await vi.waitFor(() => expect(first.status()).toBe('owner'))
    const again = tab(ports, log, 'again', { takeOver: true })
    await vi.waitFor(() => expect(again.status()).toBe('owner'))
    expect(log).toEqual(['first start', 'first stop', 'again start'])
  })

  it('when the owner closes, a waiting tab takes the client by itself', async () => {
    const ports = { locks: lockManager(), openChannel: channels() }
    const log: string[] = []
    const running = clients()
    const first = tab(ports, log, 'first', { running })
    await vi.waitFor(() => expect(first.status()).toBe('owner'))
    const second = tab(ports, log, 'second', { running })
    await vi.waitFor(() => expect(second.status()).toBe('elsewhere'))
    first.close()
    await vi.waitFor(() => expect(second.status()).toBe('owner'))
    expect(log).toEqual(['first start', 'second start'])
    expect(running.most()).toBe(1)
  })

  it('a reloaded owner takes the client back from the tab that took it meanwhile, one client at a time', async () => {
    for (const race of [false, true]) {
      const ports = { locks: lockManager(), openChannel: channels() }
      const session = sessionOf()
      const log: string[] = []
      const running = clients()
      const first = tab({ ...ports, session }, log, 'first', { running })
      await vi.waitFor(() => expect(first.status()).toBe('owner'))
      expect(session.data.get(TAB_OWNED)).toBe('1')
      const second = tab(ports, log, 'second', { running })
      await vi.waitFor(() => expect(second.status()).toBe('elsewhere'))
      first.close()
      // Without the race the waiting tab has started before the reloaded page asks; with it,
      // the ask arrives before the waiting tab is granted the lock.
      if (!race) await vi.waitFor(() => expect(second.status()).toBe('owner'))
      const again = tab({ ...ports, session, reloaded: true }, log, 'again', { running })
      await vi.waitFor(() => expect(again.status()).toBe('owner'))
      await vi.waitFor(() => expect(second.status()).toBe('elsewhere'))
      expect(log.at(-1)).toBe('again start')
      expect(log.filter((l) => l.startsWith('second'))).toEqual(
        race ? [] : ['second start', 'second stop'],
      )
      expect(running.most()).toBe(1)
      expect([...running.running]).toEqual(['again'])
    }
  })

  it('"Use here" while the owner is still starting: it stops only once started', async () => {
    const ports = { locks: lockManager(), openChannel: channels() }
    const log: string[] = []
    const running = clients()
    let ready = () => {}
    const starting = new Promise<void>((resolve) => (ready = resolve))
    const first = tab(ports, log, 'first', { running, starting })
    await vi.waitFor(() => expect(log).toEqual(['first start']))
    const second = tab(ports, log, 'second', { running })
    await vi.waitFor(() => expect(second.status()).toBe('elsewhere'))
    const before = ports.openChannel.delivered()
    second.own.takeOver()
    // The ask reached the owner, which is still starting: it does not stop yet.
    await vi.waitFor(() => expect(ports.openChannel.delivered()).toBeGreaterThan(before))
    expect(log).toEqual(['first start'])
    ready()
    await vi.waitFor(() => expect(second.status()).toBe('owner'))
    expect(log).toEqual([
      'first start',
      'first started',
      'first stopping',
      'first stop',
      'second start',
    ])
    expect(first.status()).toBe('elsewhere')
    expect(running.most()).toBe(1)
  })

  it('"Use here" in a third tab wins over a tab that has waited longer', async () => {
    const ports = { locks: lockManager(), openChannel: channels() }
    const log: string[] = []
    const first = tab(ports, log, 'first')
    await vi.waitFor(() => expect(first.status()).toBe('owner'))
    const second = tab(ports, log, 'second')
    const third = tab(ports, log, 'third')
    await vi.waitFor(() => expect(second.status()).toBe('elsewhere'))
    await vi.waitFor(() => expect(third.status()).toBe('elsewhere'))
    third.own.takeOver()
    await vi.waitFor(() => expect(third.status()).toBe('owner'))
    expect(log).toEqual(['first start', 'first stop', 'third start'])
    expect(second.status()).toBe('elsewhere')
    // The one that asked closes: the tab waiting longest gets the client, as usual (the first
    // one, which handed it over, from a fresh page).
    third.close()
    await vi.waitFor(() => expect(first.restarted()).toBe(1))
    expect(second.status()).toBe('elsewhere')
  })

  it('a tab that handed the client over takes it back by itself (from a fresh page) when the new owner closes', async () => {
    const ports = { locks: lockManager(), openChannel: channels() }
    const session = sessionOf()
    const log: string[] = []
    const first = tab({ ...ports, session }, log, 'first')
    await vi.waitFor(() => expect(first.status()).toBe('owner'))
    const second = tab(ports, log, 'second')
    await vi.waitFor(() => expect(second.status()).toBe('elsewhere'))
    second.own.takeOver()
    await vi.waitFor(() => expect(first.status()).toBe('elsewhere'))
    expect(session.data.has(TAB_OWNED)).toBe(false)
    second.close()
    await vi.waitFor(() => expect(first.restarted()).toBe(1))
    // The fresh page asks for the lock as a new tab does, and gets it.
    expect(session.data.has(TAB_OWNED)).toBe(false)
    first.close()
    const again = tab({ ...ports, session, reloaded: true }, log, 'again')
    await vi.waitFor(() => expect(again.status()).toBe('owner'))
    expect(log).toEqual(['first start', 'first stop', 'second start', 'again start'])
  })

  /** Web Locks of the asker's tab whose request for the client's lock the browser queues late. */
  function slowToQueue(locks: LockManagerLike) {
    let queueIt = () => {}
    const late = new Promise<void>((resolve) => (queueIt = resolve))
    const slow: LockManagerLike = {
      request: async (name, options, cb) => {
        if (name === TAB_LOCK) await late
        return locks.request(name, options, cb)
      },
    }
    return { slow, queueIt }
  }

  it('an ask whose lock request the browser queues late: no other tab takes the client meanwhile', async () => {
    const ports = { locks: lockManager(), openChannel: channels() }
    const log: string[] = []
    const running = clients()
    const owner = tab(ports, log, 'owner', { running })
    await vi.waitFor(() => expect(owner.status()).toBe('owner'))
    const waiting = tab(ports, log, 'waiting', { running })
    await vi.waitFor(() => expect(waiting.status()).toBe('elsewhere'))
    const { slow, queueIt } = slowToQueue(ports.locks)
    const asker = tab({ ...ports, locks: slow }, log, 'asker', { running, takeOver: true })
    await vi.waitFor(() => expect(owner.status()).toBe('elsewhere'))
    // The waiting tab is granted the lock and lets it pass: nobody runs the client until the
    // asker's request is queued.
    await new Promise((r) => setTimeout(r, 0))
    expect(log).toEqual(['owner start', 'owner stop'])
    queueIt()
    await vi.waitFor(() => expect(asker.status()).toBe('owner'))
    expect(log).toEqual(['owner start', 'owner stop', 'asker start'])
    expect([owner.restarted(), waiting.restarted()]).toEqual([0, 0])
    expect(running.most()).toBe(1)
    // The others queue again. When the asker's tab closes, the one waiting longest is the
    // former owner, which starts over from a fresh page; when that one unloads, the other.
    asker.close()
    await vi.waitFor(() => expect(owner.restarted()).toBe(1))
    owner.close()
    await vi.waitFor(() => expect(waiting.status()).toBe('owner'))
    expect(running.most()).toBe(1)
  })

  it('an asker that closes before it got the client: a waiting tab takes it', async () => {
    const ports = { locks: lockManager(), openChannel: channels() }
    const log: string[] = []
    const owner = tab(ports, log, 'owner')
    await vi.waitFor(() => expect(owner.status()).toBe('owner'))
    const waiting = tab(ports, log, 'waiting')
    await vi.waitFor(() => expect(waiting.status()).toBe('elsewhere'))
    const asker = tab({ ...ports, locks: slowToQueue(ports.locks).slow }, log, 'asker', {
      takeOver: true,
    })
    await vi.waitFor(() => expect(owner.status()).toBe('elsewhere'))
    asker.close()
    // The former owner, first in the queue again, starts over from a fresh page; as it unloads,
    // the waiting tab gets the lock.
    await vi.waitFor(() => expect(owner.restarted()).toBe(1))
    owner.close()
    await vi.waitFor(() => expect(waiting.status()).toBe('owner'))
    expect(log).toEqual(['owner start', 'owner stop', 'waiting start'])
  })

  it('a duplicated tab (same sessionStorage, not a reload) does not take the client', async () => {
    const ports = { locks: lockManager(), openChannel: channels() }
    const session = sessionOf()
    const log: string[] = []
    const first = tab({ ...ports, session }, log, 'first')
    await vi.waitFor(() => expect(first.status()).toBe('owner'))
    // Chromium's "Duplicate" copies the tab's sessionStorage, marker included.
    const duplicate = sessionOf()
    duplicate.data = new Map(session.data)
    const dup = tab({ ...ports, session: duplicate, reloaded: false }, log, 'dup')
    await vi.waitFor(() => expect(dup.status()).toBe('elsewhere'))
    expect(first.status()).toBe('owner')
    expect(log).toEqual(['first start'])
  })

  it('without Web Locks the tab simply runs the client', async () => {
    const log: string[] = []
    const only = tab({ locks: undefined as never, openChannel: channels() }, log, 'only')
    expect(only.status()).toBe('owner')
    await vi.waitFor(() => expect(log).toEqual(['only start']))
  })
})
