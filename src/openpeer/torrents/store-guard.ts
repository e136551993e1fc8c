import { OpenPeerError } from '../errors.ts'
import type { ChunkStore, ChunkStoreFactory, ChunkStoreOptions } from '../ports.ts'

type Callback<T = void> = (err: (Error & { notFound?: boolean }) | null, value?: T) => void

/**
 * The host's chunk store, with every failure but "not found" turned into ERR_STORAGE (quota
 * exceeded, disk full, private mode …). WebTorrent then stops only the torrent whose store failed,
 * and the service can tell a storage failure from any other torrent error.
 */
export function guardStore(Store: ChunkStoreFactory): ChunkStoreFactory {
  return class GuardedStore implements ChunkStore {
    private readonly inner: ChunkStore
    readonly chunkLength: number
    constructor(chunkLength: number, opts: ChunkStoreOptions) {
      try {
        this.inner = new Store(chunkLength, opts)
      } catch (cause) {
        throw storageError(cause)
      }
      this.chunkLength = chunkLength
    }
    put(index: number, chunk: Uint8Array, cb: Callback = () => {}): void {
      this.call(() => this.inner.put(index, chunk, wrap(cb)), cb)
    }
    get(
      index: number,
      opts: { offset?: number; length?: number } | null | undefined,
      cb: Callback<Uint8Array>,
    ): void {
      // abstract-chunk-store allows get(index, cb)
      if (typeof opts === 'function') return this.get(index, null, opts)
      this.call(() => this.inner.get(index, opts, wrap(cb)), cb)
    }
    close(cb: Callback = () => {}): void {
      this.call(() => this.inner.close(wrap(cb)), cb)
    }
    destroy(cb: Callback = () => {}): void {
      this.call(() => this.inner.destroy(wrap(cb)), cb)
    }
    private call<T>(fn: () => void, cb: Callback<T>): void {
      try {
        fn()
      } catch (cause) {
        queueMicrotask(() => cb(storageError(cause)))
      }
    }
  }
}

function wrap<T>(cb: Callback<T>): Callback<T> {
  return (err, value) => cb(err && !err.notFound ? storageError(err) : err, value)
}

export function storageError(cause: unknown): OpenPeerError {
  if (cause instanceof OpenPeerError) return cause
  const name = (cause as { name?: string } | null)?.name
  const why =
    name === 'QuotaExceededError'
      ? 'there is no room left to store this file'
      : name === 'NoModificationAllowedError'
        ? 'this file is open in another tab of the app: close that tab and reload'
        : `storing the file failed: ${(cause as Error | null)?.message ?? String(cause)}`
  return new OpenPeerError('ERR_STORAGE', why, { cause })
}
