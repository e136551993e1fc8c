import { beforeEach, describe, expect, it, vi } from 'vitest'
import { useMobile } from '../state/mobile.ts'
import { transfersActions } from '../state/transfers.ts'
import { fileInfo, viewOf } from './fake-client.ts'
import type { WakeLockSentinelLike } from './ports.ts'
import { resetStores, startApp } from './test-rig.ts'

beforeEach(resetStores)

/** A Screen Wake Lock API that records what it was asked and lets the test drop a lock. */
function wakeLocks() {
  const held: (WakeLockSentinelLike & { drop(): void })[] = []
  return {
    held,
    active: () => held.filter((l) => !l.released).length,
    api: {
      request: async () => {
        let released = false
        const listeners: (() => void)[] = []
        const lock = {
          get released() {
            return released
          },
          release: async () => lock.drop(),
          addEventListener: (_: 'release', fn: () => void) => void listeners.push(fn),
          drop() {
            if (released) return
            released = true
            for (const fn of listeners) fn()
          },
        }
        held.push(lock)
        return lock
      },
    },
  }
}

const downloading = viewOf(fileInfo(1), { state: 'downloading', done: false, progress: 0.5 })

describe('lifecycle glue', () => {
  it('checks the finder and sessions at once when the page comes back, and only then', async () => {
    const { client, page } = await startApp()
    const before = { retried: client.retried, changes: client.networkChanges }
    page.window.fire('online')
    expect(client.networkChanges).toBe(before.changes + 1)
    page.window.dispatchEvent(Object.assign(new Event('pageshow'), { persisted: true }))
    expect(client.networkChanges).toBe(before.changes + 2)
    // A plain load's pageshow is no return from the back/forward cache.
    page.window.dispatchEvent(Object.assign(new Event('pageshow'), { persisted: false }))
    page.document.fire('resume')
    expect(client.networkChanges).toBe(before.changes + 3)
    page.document.visibilityState = 'hidden'
    page.document.fire('visibilitychange')
    expect(client.retried).toBe(before.retried)
    page.document.visibilityState = 'visible'
    page.document.fire('visibilitychange')
    expect(client.retried).toBe(before.retried + 1)
  })

  it('keeps the screen on while a file moves, lets go when it is done, and takes it again when shown', async () => {
    const locks = wakeLocks()
    const { page } = await startApp({
      before: ({ page }) => void (page.navigator = { ...page.navigator, wakeLock: locks.api }),
    })
    expect(locks.active()).toBe(0)
    transfersActions.upsert(downloading)
    await vi.waitFor(() => expect(locks.active()).toBe(1))
    expect(useMobile.getState().awake).toBe(true)
    // Hidden: the browser drops the lock; shown again while still downloading: taken again.
    page.document.visibilityState = 'hidden'
    locks.held[0]!.drop()
    page.document.fire('visibilitychange')
    expect(locks.active()).toBe(0)
    page.document.visibilityState = 'visible'
    page.document.fire('visibilitychange')
    await vi.waitFor(() => expect(locks.active()).toBe(1))
    transfersActions.upsert({ ...downloading, state: 'seeding', done: true, progress: 1 })
    await vi.waitFor(() => expect(locks.active()).toBe(0))
    expect(useMobile.getState().awake).toBe(false)
  })

  it('"Keep the screen on during transfers" off: no lock, and the choice is saved', async () => {
    const locks = wakeLocks()
    const { app, stores } = await startApp({
      before: ({ page }) => void (page.navigator = { ...page.navigator, wakeLock: locks.api }),
    })
    transfersActions.upsert(downloading)
    await vi.waitFor(() => expect(locks.active()).toBe(1))
    app.actions.setKeepScreenOn(false)
    await vi.waitFor(() => expect(locks.active()).toBe(0))
    expect(stores.saved.at(-1)?.keepScreenOn).toBe(false)
    transfersActions.upsert({ ...downloading, progress: 0.6 })
    await new Promise((r) => setTimeout(r, 0))
    expect(locks.active()).toBe(0)
  })

  it('asks for persistent storage when the first file is kept, and shows used and free space', async () => {
    let persisted = 0
    const { app } = await startApp({
      before: ({ page }) =>
        void (page.navigator = {
          ...page.navigator,
          storage: {
            persist: async () => (persisted++, true),
            estimate: async () => ({ usage: 5_000_000, quota: 1_000_000_000 }),
          },
        }),
    })
    await vi.waitFor(() =>
      expect(useMobile.getState().storage).toEqual({ usage: 5_000_000, quota: 1_000_000_000 }),
    )
    expect(persisted).toBe(0)
    transfersActions.upsert(downloading)
    transfersActions.upsert(viewOf(fileInfo(2)))
    await vi.waitFor(() => expect(persisted).toBe(1))
    await app.actions.refreshStorage()
    expect(persisted).toBe(1)
  })

  it('stop() releases the lock and removes every listener it added', async () => {
    const locks = wakeLocks()
    const { app, page } = await startApp({
      before: ({ page }) => void (page.navigator = { ...page.navigator, wakeLock: locks.api }),
    })
    transfersActions.upsert(downloading)
    await vi.waitFor(() => expect(locks.active()).toBe(1))
    await app.stop()
    expect(locks.active()).toBe(0)
    expect(page.window.listeners()).toBe(0)
    expect(page.document.listeners()).toBe(0)
  })
})
