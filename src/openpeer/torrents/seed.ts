import { OpenPeerError, abortError, throwIfAborted } from '../errors.ts'
import type { ChunkStoreFactory, TorrentRecord } from '../ports.ts'
import type { Engine, EngineTorrent } from './engine.ts'
import { cleanFileName, cleanMime, cleanWebSeed, magnetOf } from './names.ts'

export interface ShareOptions {
  /** shortened to 255 characters keeping the extension; `/`, `\` and controls become `_` */
  name: string
  /** defaults to the Blob's type, else application/octet-stream */
  mime?: string
  signal?: AbortSignal
  /** bytes per piece (a power of 2); default: pieceLengthFor(size) */
  pieceLength?: number
  /** BEP 19 web seeds holding the same bytes (http/https), named in the file card */
  webSeeds?: string[]
}

/**
 * Hashes a file into a BitTorrent v1 torrent and seeds it from the chunk store. A file WebTorrent
 * seeds already (same name, same bytes) comes back as that torrent: no second seed.
 */
export async function seedFile(
  engine: Engine,
  store: ChunkStoreFactory,
  file: Blob | Uint8Array,
  opts: ShareOptions,
): Promise<{ torrent: EngineTorrent; record: Omit<TorrentRecord, 'added'> }> {
  const size = file instanceof Blob ? file.size : file.byteLength
  // WebTorrent cannot make a torrent without a piece; say so rather than fail obscurely.
  if (size === 0) throw new OpenPeerError('ERR_EMPTY_FILE', 'this file is empty: nothing to share')
  const name = cleanFileName(opts.name)
  const webSeeds = [...new Set((opts.webSeeds ?? []).map(cleanWebSeed))]
  const mime = cleanMime(opts.mime ?? (file instanceof Blob ? file.type : undefined))
  throwIfAborted(opts.signal)
  // A File's own name would name the file inside the torrent: hand over bare bytes.
  const input = file instanceof Blob ? file.slice(0, size) : file
  const { signal } = opts
  const torrent = await new Promise<EngineTorrent>((resolve, reject) => {
    const t = engine.seed(
      input,
      {
        name,
        announce: [],
        store,
        strategy: 'sequential',
        pieceLength: opts.pieceLength ?? pieceLengthFor(size),
      },
      (seeded) => {
        done()
        resolve(seeded)
      },
    )
    const onError = (err: Error): void => {
      done()
      reject(engineError(err))
    }
    const onAbort = (): void => {
      done()
      t.destroy({ destroyStore: true })
      reject(abortError(signal as AbortSignal))
    }
    const done = (): void => {
      t.removeListener('error', onError)
      signal?.removeEventListener('abort', onAbort)
    }
    t.once('error', onError)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
  return {
    torrent,
    record: {
      infoHash: torrent.infoHash,
      magnet: magnetOf(torrent.infoHash, name, size, { webSeeds }),
      name,
      size,
      mime,
      torrentFile: torrent.torrentFile,
      origin: 'shared',
      seeding: true,
      contactIds: [],
    },
  }
}

/**
 * About a thousand pieces per file, but never under 256 KiB or over 4 MiB. WebTorrent's own
 * choice goes down to 16 KiB: every piece costs a hash, a store write and a `have` to each
 * peer, and with 128 KiB pieces a 100 MB transfer ran ~10 % slower (docs/torrents.md).
 */
export function pieceLengthFor(size: number): number {
  const target = 2 ** Math.ceil(Math.log2(Math.max(1, size / 1024)))
  return Math.min(4 * 1024 * 1024, Math.max(256 * 1024, target))
}

/** WebTorrent's errors as coded ones; the chunk store's come coded already (ERR_STORAGE). */
export function engineError(err: Error | string): OpenPeerError {
  if (err instanceof OpenPeerError) return err
  const message = typeof err === 'string' ? err : err.message
  return new OpenPeerError('ERR_INTERNAL', `file sharing failed: ${message}`, { cause: err })
}
