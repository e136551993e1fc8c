/// <reference lib="webworker" />
/**
 * The piece store's worker: OPFS synchronous access handles (workers only) write and read
 * pieces at their offset in one `data` file per torrent, off the page's main thread. A `have`
 * file keeps one byte per piece, set after the piece is written, so a reload knows what is
 * stored without reading it (WebTorrent still verifies every stored piece by hash).
 * One worker serves the whole tab, so a torrent re-added before its old store closed shares
 * the open handles (reference-counted) instead of tripping over their exclusive lock.
 */
import type { WorkerReply, WorkerRequest } from './opfs-protocol.ts'

interface Handles {
  data: FileSystemSyncAccessHandle
  have: FileSystemSyncAccessHandle
  bits: Uint8Array
  users: number
}

declare const self: DedicatedWorkerGlobalScope

const open = new Map<string, Promise<Handles>>()

async function openDir(dir: string, pieces: number): Promise<Handles> {
  const root = await navigator.storage.getDirectory()
  const d = await root.getDirectoryHandle(dir, { create: true })
  const data = await (await d.getFileHandle('data', { create: true })).createSyncAccessHandle()
  let have: FileSystemSyncAccessHandle
  try {
    have = await (await d.getFileHandle('have', { create: true })).createSyncAccessHandle()
  } catch (err) {
    data.close()
    throw err
  }
  const bits = new Uint8Array(pieces)
  have.read(bits, { at: 0 })
  return { data, have, bits, users: 0 }
}

async function handle(req: WorkerRequest): Promise<Omit<WorkerReply, 'id'>> {
  switch (req.op) {
    case 'open': {
      let h = open.get(req.dir)
      if (!h) {
        h = openDir(req.dir, req.pieces)
        open.set(req.dir, h)
        h.catch(() => open.delete(req.dir))
      }
      const handles = await h
      handles.users++
      const present: number[] = []
      handles.bits.forEach((b, i) => b && present.push(i))
      return { present }
    }
    case 'put': {
      const h = await handlesOf(req.dir)
      const written = h.data.write(req.data, { at: req.index * req.chunkLength })
      if (written !== req.data.byteLength) throw new Error('short write')
      h.have.write(ONE, { at: req.index })
      h.bits[req.index] = 1
      return {}
    }
    case 'get': {
      const h = await handlesOf(req.dir)
      if (!h.bits[req.index]) return { notFound: true }
      const buf = new Uint8Array(req.length)
      const read = h.data.read(buf, { at: req.index * req.chunkLength + req.offset })
      if (read !== req.length) return { notFound: true }
      return { data: buf }
    }
    case 'close':
    case 'destroy': {
      const h = await open.get(req.dir)?.catch(() => undefined)
      if (h && --h.users <= 0) {
        open.delete(req.dir)
        h.data.flush()
        h.have.flush()
        h.data.close()
        h.have.close()
      }
      if (req.op === 'destroy') {
        const root = await navigator.storage.getDirectory()
        await root.removeEntry(req.dir, { recursive: true }).catch(() => undefined)
      }
      return {}
    }
  }
}

const ONE = new Uint8Array([1])

async function handlesOf(dir: string): Promise<Handles> {
  const h = open.get(dir)
  if (!h) throw new Error('store is closed')
  return h
}

self.onmessage = (e: MessageEvent<WorkerRequest>) => {
  const req = e.data
  handle(req).then(
    (reply) => {
      const transfer = reply.data ? [reply.data.buffer] : []
      self.postMessage({ id: req.id, ...reply }, transfer)
    },
    (err: unknown) => {
      const { name, message } = err instanceof Error ? err : new Error(String(err))
      self.postMessage({ id: req.id, error: { name, message } })
    },
  )
}
