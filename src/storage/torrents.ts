import { del, set, values, type UseStore } from 'idb-keyval'
import {
  createMemoryTorrentPorts,
  type ChunkStore,
  type ChunkStoreOptions,
  type TorrentPorts,
  type TorrentRecord,
  type TorrentRecordStore,
} from '../openpeer/index.ts'
import { guard } from './db.ts'
import type { WorkerReply, WorkerRequest } from './opfs-protocol.ts'

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
 * Pieces in the Origin Private File System, written and read by a worker with synchronous
 * access handles (opfs-worker.ts): one `data` file per torrent (`torrent-<infohash>/`), pieces
 * at their offsets, and a `have` file saying which are stored.
 *
 * Why not WebTorrent's own fsa-chunk-store: it writes each piece as its own file through
 * `createWritable` (a swap file and several async calls per piece) on the page's main thread.
 * bench:transfer:browser measured 100 MiB at 0.43–0.53 of the raw datachannel with it, 0.74
 * with pieces in memory: the store was the difference, and the downloader's main thread (which
 * also carries the chat) was busy 87 %.
 */
export class OpfsChunkStore implements ChunkStore {
  private readonly dir: string
  private readonly present = new Set<number>()
  private readonly opened: Promise<void>
  private readonly lastIndex: number
  private readonly lastLength: number
  private closed = false
  constructor(
    readonly chunkLength: number,
    opts: ChunkStoreOptions,
  ) {
    this.dir = pieceDir(opts.torrent.infoHash)
    const pieces = Math.ceil(opts.length / chunkLength)
    this.lastIndex = pieces - 1
    this.lastLength = opts.length - this.lastIndex * chunkLength
    this.opened = call({ op: 'open', dir: this.dir, pieces }).then((r) => {
      for (const i of r.present ?? []) this.present.add(i)
    })
    this.opened.catch(() => undefined) // reported by the first put or get
  }
  put(index: number, chunk: Uint8Array, cb: Callback = () => {}): void {
    const expected = index === this.lastIndex ? this.lastLength : this.chunkLength
    if (this.closed) return later(cb, new Error('store is closed'))
    if (chunk.length !== expected) return later(cb, new Error(`piece ${index} has a bad length`))
    // A copy goes to the worker: WebTorrent keeps the chunk in its cache.
    const data = chunk.slice()
    this.opened
      .then(() =>
        call({ op: 'put', dir: this.dir, index, chunkLength: this.chunkLength, data }, [
          data.buffer,
        ]),
      )
      .then(
        () => {
          // Recorded before WebTorrent hears of it: its next get of this piece must find it.
          this.present.add(index)
          cb(null)
        },
        (err: Error) => cb(err),
      )
  }
  get(
    index: number,
    opts: { offset?: number; length?: number } | null | undefined,
    cb: Callback<Uint8Array>,
  ): void {
    // abstract-chunk-store allows get(index, cb)
    if (typeof opts === 'function') return this.get(index, null, opts)
    const size = index === this.lastIndex ? this.lastLength : this.chunkLength
    const offset = opts?.offset ?? 0
    const length = opts?.length ?? size - offset
    if (this.closed) return later(cb, new Error('store is closed'))
    if (offset < 0 || length < 0 || offset + length > size) {
      return later(cb, new Error(`piece ${index}: bad range ${offset}+${length}`))
    }
    this.opened.then(
      () => {
        // Not stored: say so at once, without a trip to the worker.
        if (!this.present.has(index)) return cb(notFound(index))
        const req = { op: 'get' as const, dir: this.dir, index, chunkLength: this.chunkLength }
        call({ ...req, offset, length }).then(
          (r) => (r.notFound || !r.data ? cb(notFound(index)) : cb(null, r.data)),
          (err: Error) => cb(err),
        )
      },
      (err: Error) => cb(err),
    )
  }
  close(cb: Callback = () => {}): void {
    this.finish('close', cb)
  }
  destroy(cb: Callback = () => {}): void {
    this.present.clear()
    this.finish('destroy', cb)
  }
  private finish(op: 'close' | 'destroy', cb: Callback): void {
    this.closed = true
    this.opened
      .catch(() => undefined)
      .then(() => call({ op, dir: this.dir }))
      .then(
        () => cb(null),
        (err: Error) => cb(err),
      )
  }
}

let worker: Worker | undefined
let nextId = 0
const waiting = new Map<number, { resolve: (r: WorkerReply) => void; reject: (e: Error) => void }>()

type Request = WorkerRequest extends infer R
  ? R extends WorkerRequest
    ? Omit<R, 'id'>
    : never
  : never

/** One request to the tab's store worker (started on first use). */
function call(req: Request, transfer: Transferable[] = []): Promise<WorkerReply> {
  worker ??= startWorker()
  const id = nextId++
  return new Promise((resolve, reject) => {
    waiting.set(id, { resolve, reject })
    worker!.postMessage({ ...req, id }, transfer)
  })
}

function startWorker(): Worker {
  const w = new Worker(new URL('./opfs-worker.ts', import.meta.url), { type: 'module' })
  w.onmessage = (e: MessageEvent<WorkerReply>) => {
    const reply = e.data
    const p = waiting.get(reply.id)
    waiting.delete(reply.id)
    if (!p) return
    if (reply.error) {
      // The name survives (QuotaExceededError): the store guard words it for people.
      const err = new Error(reply.error.message)
      err.name = reply.error.name
      p.reject(err)
    } else p.resolve(reply)
  }
  w.onerror = (e) => {
    const err = new Error(`the storage worker failed: ${e.message}`)
    for (const p of waiting.values()) p.reject(err)
    waiting.clear()
  }
  return w
}

/**
 * Ends the tab's store worker, which frees its sync access handles at once: another tab taking
 * the client over (src/glue/tabs.ts) can then open the same pieces. Call after the client stopped.
 */
export function closePieceStore(): void {
  worker?.terminate()
  worker = undefined
  const err = new Error('the storage worker was closed: the app runs in another tab')
  for (const p of waiting.values()) p.reject(err)
  waiting.clear()
}

function later<T>(cb: Callback<T>, err: Error | null, value?: T): void {
  queueMicrotask(() => cb(err, value))
}

const PIECE_DIR = 'torrent-'
const pieceDir = (infoHash: string): string => PIECE_DIR + infoHash

function notFound(index: number): Error & { notFound: true } {
  return Object.assign(new Error(`piece ${index} is not stored`), { notFound: true as const })
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
