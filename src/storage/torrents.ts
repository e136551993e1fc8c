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
 * leaves half a piece). Three changes:
 * - the directory is named by infohash alone (`torrent-<infohash>`), so a renamed or re-cut
 *   file name still finds its pieces, and orphans can be recognised and swept;
 * - which pieces exist is listed once, and a piece not there reads as "not found" at once.
 *   fsa-chunk-store would create an empty file to find out, and report a plain error: a new
 *   1 GiB download spent 2.4 s "checking" 1024 empty pieces that way (bench:transfer:browser),
 *   and the service's store guard would take the error for a storage failure.
 */
export class OpfsChunkStore implements ChunkStore {
  private readonly inner: FSAChunkStore
  private readonly present = new Set<number>()
  private readonly listed: Promise<void>
  constructor(
    readonly chunkLength: number,
    opts: ChunkStoreOptions,
  ) {
    const name = pieceDir(opts.torrent.infoHash)
    this.inner = new FSAChunkStore(chunkLength, { length: opts.length, name })
    this.listed = listPieces(name, this.present)
  }
  put(index: number, chunk: Uint8Array, cb: Callback = () => {}): void {
    void this.inner.put(index, chunk, (err) => {
      // Recorded before WebTorrent hears of it: its next get of this piece must find it.
      if (!err) this.present.add(index)
      cb(err)
    })
  }
  get(
    index: number,
    opts: { offset?: number; length?: number } | null | undefined,
    cb: Callback<Uint8Array>,
  ): void {
    // abstract-chunk-store allows get(index, cb)
    if (typeof opts === 'function') return this.get(index, null, opts)
    void this.listed.then(() => {
      if (!this.present.has(index)) return cb(notFound(index))
      void this.inner.get(index, opts ?? {}, (err, buf) => {
        if (err && /does not exist/.test(err.message)) Object.assign(err, { notFound: true })
        cb(err, buf)
      })
    })
  }
  close(cb: Callback = () => {}): void {
    void this.inner.close(cb)
  }
  destroy(cb: Callback = () => {}): void {
    this.present.clear()
    void this.inner.destroy(cb)
  }
}

const PIECE_DIR = 'torrent-'
const pieceDir = (infoHash: string): string => PIECE_DIR + infoHash

function notFound(index: number): Error & { notFound: true } {
  return Object.assign(new Error(`piece ${index} is not stored`), { notFound: true as const })
}

/** Adds the index of every piece file in the torrent's directory (none if it does not exist). */
async function listPieces(name: string, into: Set<number>): Promise<void> {
  try {
    const root = await navigator.storage.getDirectory()
    const dir = await root.getDirectoryHandle(name)
    // An interrupted write leaves "<n>.crswap" behind; only whole piece files count.
    for await (const key of dir.keys()) if (/^\d+$/.test(key)) into.add(Number(key))
  } catch {
    // no directory yet: nothing stored
  }
}

/**
 * Deletes the piece directories of torrents that have no record (a share that failed half-way
 * on a full disk, a record lost): otherwise they would fill the quota with no way to free it.
 */
export async function sweepOrphanPieces(keep: ReadonlySet<string>): Promise<number> {
  let swept = 0
  try {
    const root = await navigator.storage.getDirectory()
    for await (const key of root.keys()) {
      if (!key.startsWith(PIECE_DIR) || keep.has(key.slice(PIECE_DIR.length))) continue
      await root.removeEntry(key, { recursive: true })
      swept++
    }
  } catch {
    // no OPFS, or an entry in use: tried again at the next start
  }
  return swept
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
