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
  it('packs small writes into messages of at most the limit, splitting only big ones', () => {
    const parts = [
      new Uint8Array(13),
      new Uint8Array(16384),
      new Uint8Array(13),
      new Uint8Array(16384),
    ]
    const out = coalesce(parts, 65536)
    expect(out.map((m) => m.length)).toEqual([32794])
    const big = coalesce([new Uint8Array(150_000).map((_, i) => i % 251)], 65536)
    expect(big.map((m) => m.length)).toEqual([65536, 65536, 18928])
    expect(big[2]![0]).toBe((131072 % 251) as number)
  })
})
