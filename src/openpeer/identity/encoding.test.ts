import { describe, expect, it } from 'vitest'
import {
  constantTimeEqual,
  fromBase64Url,
  fromUtf8,
  randomId,
  sha256,
  toBase64Url,
  toHex,
  utf8,
} from './encoding.ts'

/** A small seeded PRNG (mulberry32) so "random" inputs are the same on every run. */
function seededBytes(seed: number, n: number): Uint8Array<ArrayBuffer> {
  let s = seed >>> 0
  const out = new Uint8Array(n)
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    out[i] = (t ^ (t >>> 14)) & 0xff
  }
  return out
}

describe('base64url', () => {
  it('round trips the empty input', () => {
    expect(toBase64Url(new Uint8Array(0))).toBe('')
    expect(fromBase64Url('')).toEqual(new Uint8Array(0))
  })

  it('round trips every length from 1 to 300 and agrees with node:buffer', () => {
    for (let n = 1; n <= 300; n++) {
      const bytes = seededBytes(n, n)
      const text = toBase64Url(bytes)
      expect(text).toBe(Buffer.from(bytes).toString('base64url'))
      expect(text).toMatch(/^[A-Za-z0-9_-]*$/)
      expect(fromBase64Url(text)).toEqual(bytes)
    }
  })

  it('uses the URL alphabet without padding', () => {
    expect(toBase64Url(new Uint8Array([0xfb, 0xff]))).toBe('-_8')
    expect(toBase64Url(new Uint8Array([0xfb, 0xff, 0xbf]))).toBe('-_-_')
    expect(toBase64Url(new Uint8Array([0x61]))).toBe('YQ')
    expect(fromBase64Url('-_-_')).toEqual(new Uint8Array([0xfb, 0xff, 0xbf]))
  })

  it('accepts an ArrayBuffer and inputs larger than one conversion chunk', () => {
    const bytes = seededBytes(7, 100_000)
    const text = toBase64Url(bytes.buffer)
    expect(text).toBe(Buffer.from(bytes).toString('base64url'))
    expect(Buffer.from(fromBase64Url(text)).equals(bytes)).toBe(true)
  })

  it.each([
    ['standard alphabet +', 'ab+c'],
    ['standard alphabet /', 'ab/c'],
    ['padding', 'YQ=='],
    ['trailing =', 'abc='],
    ['impossible length 1', 'a'],
    ['impossible length 5', 'abcde'],
    ['space', 'ab cd'],
    ['newline', 'abcd\n'],
    ['non-ASCII', 'abé'],
    ['dot', 'ab.c'],
  ])('rejects bad base64url (%s)', (_, text) => {
    expect(() => fromBase64Url(text)).toThrow(TypeError)
  })
})

describe('hex', () => {
  it('is lowercase, two digits per byte', () => {
    expect(toHex(new Uint8Array([0, 1, 15, 16, 171, 255]))).toBe('00010f10abff')
    expect(toHex(new Uint8Array(0))).toBe('')
    expect(toHex(new Uint8Array([0xde, 0xad]).buffer)).toBe('dead')
  })

  it('agrees with node:buffer', () => {
    const bytes = seededBytes(99, 257)
    expect(toHex(bytes)).toBe(Buffer.from(bytes).toString('hex'))
  })

  it('sha256 of "abc" is the FIPS 180-2 vector', async () => {
    expect(toHex(await sha256('abc'))).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    )
  })
})

describe('utf8', () => {
  it('round trips non-ASCII text', () => {
    const text = 'héllo wörld 😀 \u2028'
    expect(fromUtf8(utf8(text))).toBe(text)
    expect(utf8('é')).toEqual(new Uint8Array([0xc3, 0xa9]))
  })

  it('refuses bytes that are not UTF-8', () => {
    expect(() => fromUtf8(new Uint8Array([0x61, 0xff]))).toThrow()
  })
})

describe('randomId', () => {
  it('is 128 bits of base64url and differs each time', () => {
    const a = randomId()
    expect(a).toMatch(/^[A-Za-z0-9_-]{22}$/)
    expect(fromBase64Url(a)).toHaveLength(16)
    expect(randomId()).not.toBe(a)
  })
})

describe('constantTimeEqual', () => {
  it('is true for equal strings', () => {
    expect(constantTimeEqual('', '')).toBe(true)
    expect(constantTimeEqual('s3cret-value', 's3cret-value')).toBe(true)
  })

  it('is false wherever the strings differ', () => {
    expect(constantTimeEqual('abcdef', 'xbcdef')).toBe(false)
    expect(constantTimeEqual('abcdef', 'abcxef')).toBe(false)
    expect(constantTimeEqual('abcdef', 'abcdex')).toBe(false)
  })

  it('is false for different lengths, including a prefix', () => {
    expect(constantTimeEqual('abc', 'abcd')).toBe(false)
    expect(constantTimeEqual('abcd', 'abc')).toBe(false)
    expect(constantTimeEqual('', 'a')).toBe(false)
  })

  it('compares UTF-16 units, not just their low bits', () => {
    expect(constantTimeEqual('\u0161', 'a')).toBe(false)
    expect(constantTimeEqual('😀', '😁')).toBe(false)
  })
})
