import { describe, expect, it, vi } from 'vitest'
import { ownClient, type ChannelLike, type LockManagerLike, type TabStatus } from './tabs.ts'

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

/** BroadcastChannel between the tabs of one origin: a message reaches every other channel. */
function channels() {
  const open = new Set<{ name: string; deliver: (data: unknown) => void }>()
  return (name: string): ChannelLike => {
    const listeners: ((e: MessageEvent) => void)[] = []
    const me = {
      name,
      deliver: (data: unknown) => listeners.forEach((fn) => fn({ data } as MessageEvent)),
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
}

/** One tab: its status as shown, and what happened to its client, in order. */
function tab(
  ports: { locks: LockManagerLike; openChannel: (name: string) => ChannelLike },
  log: string[],
  name: string,
  opts = {},
) {
  const seen: TabStatus[] = []
  let restarted = 0
  const own = ownClient(
    ports,
    {
      start: async () => void log.push(`${name} start`),
      stop: async () => {
        await new Promise((r) => setTimeout(r, 5))
        log.push(`${name} stop`)
      },
      restart: () => void restarted++,
    },
    (s) => void seen.push(s),
    opts,
  )
  return { own, seen, status: () => seen.at(-1), restarted: () => restarted }
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

  it('without Web Locks the tab simply runs the client', async () => {
    const log: string[] = []
    const only = tab({ locks: undefined as never, openChannel: channels() }, log, 'only')
    expect(only.status()).toBe('owner')
    await vi.waitFor(() => expect(log).toEqual(['only start']))
  })
})
