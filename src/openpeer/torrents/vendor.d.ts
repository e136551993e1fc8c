// webtorrent 3 and streamx ship no types. These declarations cover only what src/openpeer/torrents
// uses; the shapes the service relies on are spelt out in engine.ts.
declare module 'webtorrent' {
  const WebTorrent: new (opts: Record<string, unknown>) => unknown
  export default WebTorrent
}

declare module 'streamx' {
  export interface DuplexOptions {
    highWaterMark?: number
    byteLength?: (data: unknown) => number
  }
  export class Duplex {
    constructor(opts?: DuplexOptions)
    readonly destroyed: boolean
    readonly destroying: boolean
    push(data: Uint8Array | null): boolean
    write(data: Uint8Array): boolean
    end(): this
    destroy(err?: Error | null): void
    emit(event: string, ...args: unknown[]): boolean
    on(event: string, fn: (...args: never[]) => void): this
    once(event: string, fn: (...args: never[]) => void): this
    removeListener(event: string, fn: (...args: never[]) => void): this
    _writev(batch: Uint8Array[], cb: (err?: Error | null) => void): void
    _read(cb: (err?: Error | null) => void): void
    _predestroy(): void
    _destroy(cb: (err?: Error | null) => void): void
  }
}
