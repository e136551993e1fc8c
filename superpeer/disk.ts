import { mkdirSync } from 'node:fs'
import { chmod, open, readFile, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import FSChunkStore from 'fs-chunk-store'
import {
  KeyedQueue,
  OpenPeerError,
  type ChunkStoreFactory,
  type ChunkStoreOptions,
  type ContactRecord,
  type ContactStore,
  type HistoryMessage,
  type HistoryPort,
  type InboxStore,
  type KeyStore,
  type OutboxItem,
  type OutboxStore,
  type StoredIdentity,
  type TorrentPorts,
  type TorrentRecord,
  exportIdentity,
  importIdentity,
  type PortableIdentity,
} from '../src/openpeer/index.ts'

/*
 * A super-peer's state in one directory: every record a JSON file written atomically (a
 * temporary file, fsync, rename — a crash leaves the old file or the new, never half of one),
 * the identity's keys in a file only its owner can read (0600), pieces in one file per torrent
 * (fs-chunk-store). What cannot be read is a clear error naming the file, and nothing is
 * written over it.
 */

/** Received message ids remembered for de-duplication: the newest this many. */
const SEEN_MAX = 50_000

export interface DiskStores {
  dir: string
  keys: KeyStore & { clear(): Promise<void> }
  contacts: ContactStore
  outbox: OutboxStore
  inbox: InboxStore
  torrents: TorrentPorts
  /**
   * What it held for its owner (messages in and out, the newest HISTORY_MAX): handed on to the
   * owner's devices when they come back, and to a device linked from here.
   */
  history: HistoryPort & { add(message: HistoryMessage): Promise<void> }
}

const HISTORY_MAX = 1_000

export async function openDiskStores(dir: string): Promise<DiskStores> {
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  const files = new JsonFiles(dir)
  const [identity, contacts, outbox, seen, records, held] = await Promise.all([
    files.read<PortableIdentity | null>('identity.json', null),
    files.read<ContactRecord[]>('contacts.json', []),
    files.read<OutboxItem[]>('outbox.json', []),
    files.read<string[]>('inbox.json', []),
    files.read<StoredTorrentRecord[]>('torrents.json', []),
    files.read<HistoryMessage[]>('history.json', []),
  ])
  let history = held
  let stored = identity ? await importIdentity(identity, join(dir, 'identity.json')) : undefined
  const contactMap = new Map(contacts.map((c) => [c.contactId, c]))
  const outboxMap = new Map(outbox.map((o) => [o.msgId, o]))
  const seenSet = new Set(seen)
  const recordMap = new Map(records.map((r) => [r.infoHash, fromStored(r)]))
  return {
    dir,
    keys: {
      load: async () => stored,
      save: async (next: StoredIdentity) => {
        if (stored && stored.contactId !== next.contactId) {
          throw new OpenPeerError(
            'ERR_CONFLICT',
            `${dir} holds another identity (${stored.contactId.slice(0, 8)}); use another --data directory`,
          )
        }
        await files.write('identity.json', await exportIdentity(next), 0o600)
        stored = next
      },
      // Removed by its owner's other device: the identity and what it held go; pieces too.
      clear: async () => {
        stored = undefined
        contactMap.clear()
        outboxMap.clear()
        seenSet.clear()
        recordMap.clear()
        history = []
        await Promise.all(
          [
            'identity.json',
            'contacts.json',
            'outbox.json',
            'inbox.json',
            'torrents.json',
            'history.json',
          ].map((name) => rm(join(dir, name), { force: true })),
        )
        await rm(join(dir, 'pieces'), { recursive: true, force: true })
      },
    },
    contacts: {
      list: async () => [...contactMap.values()],
      get: async (id) => contactMap.get(id),
      put: async (c) => {
        contactMap.set(c.contactId, c)
        await files.write('contacts.json', [...contactMap.values()])
      },
    },
    outbox: {
      list: async () => [...outboxMap.values()],
      put: async (item) => {
        outboxMap.set(item.msgId, item)
        await files.write('outbox.json', [...outboxMap.values()])
      },
      delete: async (msgId) => {
        if (!outboxMap.delete(msgId)) return
        await files.write('outbox.json', [...outboxMap.values()])
      },
    },
    inbox: {
      markSeen: async (msgId) => {
        if (seenSet.has(msgId)) return false
        seenSet.add(msgId)
        // A Set keeps insertion order: the oldest go first.
        for (const old of seenSet) {
          if (seenSet.size <= SEEN_MAX) break
          seenSet.delete(old)
        }
        await files.write('inbox.json', [...seenSet])
        return true
      },
    },
    history: {
      add: async (message) => {
        if (history.some((m) => m.msgId === message.msgId)) return
        history = [...history, message].slice(-HISTORY_MAX)
        await files.write('history.json', history)
      },
      recent: async (limit) => history.slice(-limit),
      export: async () => history,
      import: async (data) => {
        history = Array.isArray(data) ? (data as HistoryMessage[]).slice(-HISTORY_MAX) : []
        await files.write('history.json', history)
      },
    },
    torrents: {
      store: diskChunkStore(join(dir, 'pieces')),
      records: {
        list: async () => [...recordMap.values()],
        put: async (r) => {
          recordMap.set(r.infoHash, r)
          await files.write('torrents.json', [...recordMap.values()].map(toStored))
        },
        delete: async (infoHash) => {
          if (!recordMap.delete(infoHash)) return
          await files.write('torrents.json', [...recordMap.values()].map(toStored))
        },
      },
    },
  }
}

/** A torrent record as JSON: its .torrent as base64. */
type StoredTorrentRecord = Omit<TorrentRecord, 'torrentFile'> & { torrentFile?: string }

function toStored(r: TorrentRecord): StoredTorrentRecord {
  const { torrentFile, ...rest } = r
  return torrentFile ? { ...rest, torrentFile: Buffer.from(torrentFile).toString('base64') } : rest
}

function fromStored(r: StoredTorrentRecord): TorrentRecord {
  const { torrentFile, ...rest } = r
  return torrentFile ? { ...rest, torrentFile: Buffer.from(torrentFile, 'base64') } : rest
}

/** One file per torrent under `dir`, named by infohash: a restart finds its pieces again. */
function diskChunkStore(dir: string): ChunkStoreFactory {
  const Base = FSChunkStore as unknown as ChunkStoreFactory
  return class DiskChunkStore extends Base {
    constructor(chunkLength: number, opts: ChunkStoreOptions) {
      super(chunkLength, { length: opts.length, path: join(dir, opts.torrent.infoHash) } as never)
    }
  }
}

class JsonFiles {
  private readonly queue = new KeyedQueue()
  constructor(private readonly dir: string) {}

  async read<T>(name: string, fallback: T): Promise<T> {
    const path = join(this.dir, name)
    let text: string
    try {
      text = await readFile(path, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return fallback
      throw new OpenPeerError('ERR_STORAGE', `cannot read ${path}: ${(err as Error).message}`, {
        cause: err,
      })
    }
    try {
      return JSON.parse(text) as T
    } catch (cause) {
      throw new OpenPeerError(
        'ERR_STORAGE',
        `${path} is corrupt (not JSON); nothing was changed — restore it or use another --data directory`,
        { cause },
      )
    }
  }

  /** Writes are queued per file: the last one written is the last one asked for. */
  write(name: string, value: unknown, mode = 0o644): Promise<void> {
    return this.queue.run(name, async () => {
      const path = join(this.dir, name)
      const tmp = `${path}.${process.pid}.tmp`
      try {
        const handle = await open(tmp, 'w', mode)
        try {
          await handle.writeFile(JSON.stringify(value))
          await handle.sync()
        } finally {
          await handle.close()
        }
        await chmod(tmp, mode)
        await rename(tmp, path)
      } catch (cause) {
        await rm(tmp, { force: true })
        throw new OpenPeerError('ERR_STORAGE', `cannot write ${path}`, { cause })
      }
    })
  }
}
