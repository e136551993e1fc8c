import { describe, expect, it } from 'vitest'
import type { ChunkStore, ChunkStoreOptions } from '../ports.ts'
import { guardStore, storageError } from './store-guard.ts'

const OPTS: ChunkStoreOptions = { length: 10, name: 'x', torrent: { infoHash: 'a'.repeat(40) } }

function domError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name })
}

describe('the chunk store guard', () => {
  it('words storage failures for people, by the browser error name', () => {
    expect(storageError(domError('QuotaExceededError', 'quota'))).toMatchObject({
      code: 'ERR_STORAGE',
      message: 'there is no room left to store this file',
    })
    expect(storageError(domError('NoModificationAllowedError', 'locked')).message).toMatch(
      /another tab/,
    )
    expect(storageError(new Error('disk on fire')).message).toBe(
      'storing the file failed: disk on fire',
    )
  })

  it('passes "not found" through, and turns every other failure into ERR_STORAGE', async () => {
    const Failing = class implements ChunkStore {
      readonly chunkLength = 10
      put(_i: number, _c: Uint8Array, cb?: (err: Error | null) => void): void {
        cb?.(domError('QuotaExceededError', 'full'))
      }
      get(_i: number, _o: unknown, cb: (err: Error | null) => void): void {
        cb(Object.assign(new Error('missing'), { notFound: true }))
      }
      close(): void {
        throw new Error('boom')
      }
      destroy(cb?: (err: Error | null) => void): void {
        cb?.(null)
      }
    }
    const store = new (guardStore(Failing))(10, OPTS)
    const put = await new Promise<Error | null>((r) => store.put(0, new Uint8Array(10), r))
    expect(put).toMatchObject({ code: 'ERR_STORAGE' })
    const get = await new Promise<Error | null>((r) => store.get(0, null, (e) => r(e)))
    expect(get).toMatchObject({ notFound: true })
    expect(get).not.toHaveProperty('code')
    const close = await new Promise<Error | null>((r) => store.close(r))
    expect(close).toMatchObject({ code: 'ERR_STORAGE' })
  })
})
