// fs-chunk-store ships no types; the bench casts it to the ChunkStoreFactory port.
declare module 'fs-chunk-store' {
  const FSChunkStore: new (chunkLength: number, opts: Record<string, unknown>) => unknown
  export default FSChunkStore
}
