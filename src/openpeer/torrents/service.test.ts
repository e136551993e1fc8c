import { describe, expect, it } from 'vitest'
import { isOpenPeerError } from '../errors.ts'
import { createMemoryTorrentPorts } from './memory.ts'
import { parseTarget } from './offers.ts'
import type { PeerSession } from '../session/peer-session.ts'
import { TorrentService } from './service.ts'
import type { TorrentEvents } from './types.ts'

const HASH = 'c'.repeat(40)

function service(ports = createMemoryTorrentPorts()) {
  const events: { event: keyof TorrentEvents; payload: unknown }[] = []
  const s = new TorrentService({
    ports,
    sessions: () => [],
    onError: (error) => events.push({ event: 'torrent:error', payload: error }),
  })
  for (const event of [
    'torrent:offer',
    'torrent:progress',
    'torrent:done',
    'torrent:error',
  ] as const)
    s.on(event, (payload) => events.push({ event, payload }))
  return { s, events, ports }
}

describe('parseTarget', () => {
  it('reads an infohash, a magnet link or a file card', () => {
    expect(parseTarget(HASH.toUpperCase())).toMatchObject({ infoHash: HASH, name: HASH, size: 0 })
    const m = parseTarget(`magnet:?xt=urn:btih:${HASH}&dn=a%20b.txt&xl=12&tr=wss://t.example`)
    expect(m).toEqual({
      infoHash: HASH,
      name: 'a b.txt',
      size: 12,
      mime: 'application/octet-stream',
      magnet: `magnet:?xt=urn:btih:${HASH}&dn=a%20b.txt&xl=12`,
    })
  })

  it.each(['', 'xyz', 'magnet:?dn=x', `magnet:?xt=urn:btih:${HASH.slice(1)}`, HASH + '0'])(
    'refuses %j with ERR_BAD_MESSAGE',
    (target) => {
      expect(() => parseTarget(target)).toThrow(
        expect.objectContaining({ code: 'ERR_BAD_MESSAGE' }),
      )
    },
  )
})

describe('TorrentService without sessions', () => {
  it('start and stop are idempotent and need no WebTorrent for an empty profile', async () => {
    const { s } = service()
    await Promise.all([s.start(), s.start()])
    expect(s.engineForTests).toBeUndefined()
    await s.stop()
    await s.stop()
    expect(s.list()).toEqual([])
  })

  it('answers unknown files with ERR_NOT_FOUND', async () => {
    const { s } = service()
    await s.start()
    await expect(s.setSeeding(HASH, false)).rejects.toMatchObject({ code: 'ERR_NOT_FOUND' })
    await expect(s.remove(HASH)).rejects.toMatchObject({ code: 'ERR_NOT_FOUND' })
    expect(() => s.stream(HASH)).toThrow(expect.objectContaining({ code: 'ERR_NOT_FOUND' }))
    await s.stop()
  })

  it('a restart on the same ports brings a shared file back, seeding, without re-sharing', async () => {
    const ports = createMemoryTorrentPorts()
    const first = service(ports)
    const bytes = new Uint8Array(300_000).map((_, i) => i % 256)
    const info = await first.s.share(bytes, { name: 'keep.bin', mime: 'application/x-test' })
    await first.s.stop()

    const second = service(ports)
    await second.s.start()
    expect(second.s.get(info.infoHash)).toMatchObject({ ...info, origin: 'shared' })
    await new Promise<void>((resolve) => {
      const check = (): void => {
        if (second.s.get(info.infoHash)?.state === 'seeding') resolve()
        else setTimeout(check, 20)
      }
      check()
    })
    // Completed before the restart: no second torrent:done.
    expect(second.events.filter((e) => e.event === 'torrent:done')).toEqual([])
    await second.s.remove(info.infoHash)
    expect(await ports.records.list()).toEqual([])
    expect(ports.chunks.has(info.infoHash)).toBe(false)
    await second.s.stop()
  })

  it("setServing(false) refuses wires for complete files but keeps each file's own choice", async () => {
    const { s, ports } = service()
    await s.start()
    const info = await s.share(new Uint8Array(50_000).fill(7), { name: 'pause.bin' })
    const asker = { remoteContactId: 'd'.repeat(64) } as unknown as PeerSession
    s.setServing(false)
    expect(s.isServing).toBe(false)
    await expect(
      s.onWireRequest(asker, { infoHash: info.infoHash, channel: 64 }),
    ).rejects.toMatchObject({ code: 'ERR_UNAVAILABLE' })
    // Paused is not "off": the file still counts as seeded, and nothing was written for it.
    expect(s.get(info.infoHash)?.seeding).toBe(true)
    expect((await ports.records.list())[0]?.seeding).toBe(true)
    s.setServing(true)
    expect(s.isServing).toBe(true)
    await s.stop()
  })

  it('an unreadable records repository fails start with ERR_STORAGE, and start can be retried', async () => {
    const ports = createMemoryTorrentPorts()
    const list = ports.records.list
    ports.records.list = async () => {
      throw new Error('IndexedDB is gone')
    }
    const { s } = service(ports)
    const err = await s.start().catch((e: unknown) => e)
    expect(isOpenPeerError(err, 'ERR_STORAGE')).toBe(true)
    ports.records.list = list
    await expect(s.start()).resolves.toBeUndefined()
    await s.stop()
  })
})
