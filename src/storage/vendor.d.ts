// fsa-chunk-store (WebTorrent's OPFS chunk store) ships no types: only what torrents.ts uses.
declare module 'fsa-chunk-store' {
  type Callback<T = void> = (err: Error | null, value?: T) => void
  export default class FSAChunkStore {
    constructor(chunkLength: number, opts: { length?: number; name?: string })
    put(index: number, buf: Uint8Array, cb?: Callback): Promise<unknown>
    get(
      index: number,
      opts: { offset?: number; length?: number },
      cb: Callback<Uint8Array>,
    ): Promise<unknown>
    close(cb?: Callback): Promise<void>
    destroy(cb?: Callback): Promise<void>
  }
}
