import { del, set, values, type UseStore } from 'idb-keyval'
import FSAChunkStore from 'fsa-chunk-store'
import {
  createMemoryTorrentPorts,
  type ChunkStore,
  type ChunkStoreOptions,
  type TorrentPorts,
  type TorrentRecord,
  type TorrentRecordStore,
} from '../openpeer/index.ts'
import { guard } from './db.ts'

type Callback<T = void> = (err: (Error & { notFound?: boolean }) | null, value?: T) => void

/** What survives a reload of every shared or received file, keyed by infohash. */
export function idbTorrentRecordStore(store: UseStore): TorrentRecordStore {
  return {
    list: () => guard('read the shared files', () => values<TorrentRecord>(store)),
    put: (r) => guard('save a shared file', () => set(r.infoHash, r, store)),
    delete: (infoHash) => guard('forget a shared file', () => del(infoHash, store)),
  }
}

/**
 * Pieces in the Origin Private File System through WebTorrent's own browser store
 * (fsa-chunk-store: one OPFS file per piece, written atomically, so a reload mid-write never
 * leaves half a piece). Two changes: the directory is named by infohash alone, so a renamed or
 * re-cut file name still finds its pieces; and a piece not written yet reads as "not found"
 * (fsa-chunk-store reports it as a plain error, which would look like a storage failure).
 */
export class OpfsChunkStore implements ChunkStore {
  private readonly inner: FSAChunkStore
  constructor(
    readonly chunkLength: number,
    opts: ChunkStoreOptions,
  ) {
    this.inner = new FSAChunkStore(chunkLength, {
      length: opts.length,
      name: `torrent-${opts.torrent.infoHash}`,
    })
  }
  put(index: number, chunk: Uint8Array, cb: Callback = () => {}): void {
    void this.inner.put(index, chunk, cb)
  }
  get(
    index: number,
    opts: { offset?: number; length?: number } | null | undefined,
    cb: Callback<Uint8Array>,
  ): void {
    // abstract-chunk-store allows get(index, cb)
    if (typeof opts === 'function') return this.get(index, null, opts)
    void this.inner.get(index, opts ?? {}, (err, buf) => {
      if (err && /does not exist/.test(err.message)) Object.assign(err, { notFound: true })
      cb(err, buf)
    })
  }
  close(cb: Callback = () => {}): void {
    void this.inner.close(cb)
  }
  destroy(cb: Callback = () => {}): void {
    void this.inner.destroy(cb)
  }
}

/** True when this browser gives the page an OPFS directory it can write files into. */
export async function opfsWorks(): Promise<boolean> {
  try {
    if (typeof FileSystemFileHandle === 'undefined') return false
    if (!('createWritable' in FileSystemFileHandle.prototype)) return false
    await navigator.storage.getDirectory()
    return true
  } catch {
    return false
  }
}

/**
 * Torrent ports for the app: records in IndexedDB and pieces in OPFS; or, where either is
 * refused (some private modes), both in memory — sharing still works, but not across a reload
 * (pieces without their records would only fill the disk).
 */
export async function openTorrentPorts(
  records: UseStore | undefined,
): Promise<{ ports: TorrentPorts; persistent: boolean }> {
  if (records && (await opfsWorks())) {
    return {
      ports: { store: OpfsChunkStore, records: idbTorrentRecordStore(records) },
      persistent: true,
    }
  }
  return { ports: createMemoryTorrentPorts(), persistent: false }
}
