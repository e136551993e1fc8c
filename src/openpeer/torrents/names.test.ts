import { describe, expect, it } from 'vitest'
import { coalesce } from './channel-duplex.ts'
import { FILE_NAME_MAX, cleanFileName, cleanMime, magnetOf } from './names.ts'

describe('cleanFileName', () => {
  it('keeps ordinary names', () => {
    expect(cleanFileName('holiday photo.jpg')).toBe('holiday photo.jpg')
  })

  it('shortens a 300-character name to 255 keeping the extension', () => {
    const name = cleanFileName('a'.repeat(296) + '.pdf')
    expect(name).toHaveLength(FILE_NAME_MAX)
    expect(name.endsWith('.pdf')).toBe(true)
  })

  it('never splits a surrogate pair when shortening', () => {
    const name = cleanFileName('😀'.repeat(200) + '.txt')
    expect(name.length).toBeLessThanOrEqual(FILE_NAME_MAX)
    expect(name.endsWith('.txt')).toBe(true)
    expect(() => encodeURIComponent(name)).not.toThrow()
  })

  it('turns path separators and control characters into _, and empty names into "file"', () => {
    expect(cleanFileName('../../etc/passwd')).toBe('.._.._etc_passwd')
    expect(cleanFileName('a\u0000b\nc\\d')).toBe('a_b_c_d')
    expect(cleanFileName('  ')).toBe('file')
    expect(cleanFileName('..')).toBe('file')
  })
})

describe('cleanMime and magnetOf', () => {
  it('keep a MIME type that looks like one, else application/octet-stream', () => {
    expect(cleanMime('Image/PNG')).toBe('image/png')
    expect(cleanMime('not a type')).toBe('application/octet-stream')
    expect(cleanMime('x/' + 'y'.repeat(100))).toBe('application/octet-stream')
  })

  it('drop the name from a magnet that would pass 2000 characters', () => {
    const hash = 'ab'.repeat(20)
    expect(magnetOf(hash, 'a b.txt', 5)).toBe(`magnet:?xt=urn:btih:${hash}&dn=a%20b.txt&xl=5`)
    const long = magnetOf(hash, '€'.repeat(255), 5)
    expect(long).toBe(`magnet:?xt=urn:btih:${hash}&xl=5`)
  })
})

describe('coalesce', () => {
  const sizes = (batch: number[], max = 65536): number[] =>
    coalesce(
      batch.map((n) => new Uint8Array(n)),
      max,
    ).map((m) => m.length)

  it('packs whole writes, keeping a BitTorrent header with its block', () => {
    // Four piece messages (13-byte header + 16 KiB block): three fit in one datachannel message.
    expect(sizes([13, 16384, 13, 16384, 13, 16384, 13, 16384])).toEqual([49191, 16397])
    expect(sizes([5, 5, 5])).toEqual([15])
  })

  it('splits only writes over the limit, keeping the bytes in order', () => {
    expect(sizes([150_000])).toEqual([65536, 65536, 18928])
    const data = new Uint8Array(150_000).map((_, i) => i % 251)
    const out = coalesce([new Uint8Array(10), data], 65536)
    expect(out.map((m) => m.length)).toEqual([65536, 65536, 18938])
    expect(out[1]![0]).toBe((65526 % 251) as number)
  })
})
