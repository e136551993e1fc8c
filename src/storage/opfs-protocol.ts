/** Messages between the page's OPFS piece store and its worker (opfs-worker.ts). */
export type WorkerRequest = { id: number; dir: string } & (
  | { op: 'open'; pieces: number }
  | { op: 'put'; index: number; chunkLength: number; data: Uint8Array }
  | { op: 'get'; index: number; chunkLength: number; offset: number; length: number }
  | { op: 'close' }
  | { op: 'destroy' }
)

export interface WorkerReply {
  id: number
  /** open: the pieces already stored */
  present?: number[]
  data?: Uint8Array
  notFound?: boolean
  /** a DOMException's name (QuotaExceededError …) and message */
  error?: { name: string; message: string }
}
