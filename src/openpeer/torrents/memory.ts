import type {
  ChunkStore,
  ChunkStoreFactory,
  ChunkStoreOptions,
  TorrentPorts,
  TorrentRecord,
} from '../ports.ts'

type Callback<T = void> = (err: (Error & { notFound?: boolean }) | null, value?: T) => void

/**
 * In-memory torrent ports for Node hosts and tests. Chunks are kept per infohash across
 * `close()`, so a client restarted on the same ports resumes like a browser reload would;
 * `destroy()` (removing the torrent) frees them.
 */
export function createMemoryTorrentPorts(): TorrentPorts & { chunks: Map<string, Uint8Array[]> } {
  const chunks = new Map<string, Uint8Array[]>()
  const records = new Map<string, TorrentRecord>()
  const store: ChunkStoreFactory = class MemoryStore implements ChunkStore {
    private data: Uint8Array[] | undefined
    private readonly lastIndex: number
    private readonly lastLength: number
    constructor(
      readonly chunkLength: number,
      private readonly opts: ChunkStoreOptions,
    ) {
      const key = opts.torrent.infoHash
      if (!chunks.has(key)) chunks.set(key, [])
      this.data = chunks.get(key)
      this.lastIndex = Math.ceil(opts.length / chunkLength) - 1
      this.lastLength = opts.length - this.lastIndex * chunkLength
    }
    put(index: number, chunk: Uint8Array, cb: Callback = () => {}): void {
      const expected = index === this.lastIndex ? this.lastLength : this.chunkLength
      if (!this.data) return later(cb, new Error('store is closed'))
      if (chunk.length !== expected) return later(cb, new Error(`chunk ${index} has a bad length`))
      this.data[index] = chunk
      later(cb, null)
    }
    get(
      index: number,
      opts: { offset?: number; length?: number } | null | undefined,
      cb: Callback<Uint8Array>,
    ): void {
      // abstract-chunk-store allows get(index, cb)
      if (typeof opts === 'function') return this.get(index, null, opts)
      const chunk = this.data?.[index]
      if (!chunk) return later(cb, Object.assign(new Error('chunk not found'), { notFound: true }))
      const offset = opts?.offset ?? 0
      const length = opts?.length ?? chunk.length - offset
      later(cb, null, chunk.subarray(offset, offset + length))
    }
    close(cb: Callback = () => {}): void {
      this.data = undefined
      later(cb, null)
    }
    destroy(cb: Callback = () => {}): void {
      this.data = undefined
      chunks.delete(this.opts.torrent.infoHash)
      later(cb, null)
    }
  }
  return {
    store,
    chunks,
    records: {
      list: async () => [...records.values()].map((r) => structuredClone(r)),
      put: async (r) => void records.set(r.infoHash, structuredClone(r)),
      delete: async (infoHash) => void records.delete(infoHash),
    },
  }
}

function later<T>(cb: Callback<T>, err: Error | null, value?: T): void {
  queueMicrotask(() => cb(err, value))
}
