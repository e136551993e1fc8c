import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { jcs } from './jcs.ts'

/** A deep copy whose object keys are inserted in reverse order. */
function reordered(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reordered)
  if (value === null || typeof value !== 'object') return value
  // fromEntries makes own properties even of "__proto__" (assignment would set the prototype).
  return Object.fromEntries(
    Object.keys(value)
      .reverse()
      .map((key) => [key, reordered((value as Record<string, unknown>)[key])]),
  )
}

describe('jcs (RFC 8785)', () => {
  it('sorts keys by UTF-16 code units, non-ASCII keys included (RFC 8785 §3.2.3)', () => {
    const input = {
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One',
      '\ud83d\ude00': 'Emoji: Grinning Face',
      '\u0080': 'Control',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
    }
    // 😀 (U+1F600, surrogates D83D DE00) sorts before U+FB33: code units, not code points.
    expect(jcs(input)).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control",' +
        '"\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign",' +
        '"\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    )
  })

  it('matches the RFC 8785 §3.2.2 example', () => {
    const input = JSON.parse(String.raw`{
      "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
      "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
      "literals": [null, true, false]
    }`) as unknown
    expect(jcs(input)).toBe(
      String.raw`{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}`,
    )
  })

  it.each([
    ['1e21', '1e+21'],
    ['1E21', '1e+21'],
    ['1e20', '100000000000000000000'],
    ['-0', '0'],
    ['-0.0', '0'],
    ['1.0', '1'],
    ['1.50', '1.5'],
    ['0.000001', '0.000001'],
    ['0.0000001', '1e-7'],
    ['9007199254740992', '9007199254740992'],
    ['-9007199254740992', '-9007199254740992'],
    ['295147905179352825856', '295147905179352830000'],
    ['5e-324', '5e-324'],
    ['-5e-324', '-5e-324'],
    ['1.7976931348623157e308', '1.7976931348623157e+308'],
    ['0.1', '0.1'],
  ])('writes the number %s as %s', (source, expected) => {
    expect(jcs(JSON.parse(source))).toBe(expected)
    expect(jcs({ n: JSON.parse(source) as number })).toBe(`{"n":${expected}}`)
  })

  it('refuses numbers JSON cannot carry', () => {
    expect(() => jcs(NaN)).toThrow()
    expect(() => jcs({ a: Infinity })).toThrow()
    expect(() => jcs([-Infinity])).toThrow()
  })

  it.each([
    ['\u000f', '"\\u000f"'],
    ['\u0000', '"\\u0000"'],
    ['\u001f', '"\\u001f"'],
    ['\u2028', '"\u2028"'],
    ['\u2029', '"\u2029"'],
    ['\u007f', '"\u007f"'],
    ['\b\f\n\r\t', '"\\b\\f\\n\\r\\t"'],
    ['"\\', '"\\"\\\\"'],
    ['/', '"/"'],
    ['é😀', '"é😀"'],
  ])('escapes the string %j as %s', (value, expected) => {
    expect(jcs(value)).toBe(expected)
  })

  it('keeps array order, drops undefined properties, sorts nested objects', () => {
    expect(jcs({ b: [3, 1, 2], a: { d: undefined, c: null, b: { z: 1, y: 2 } } })).toBe(
      '{"a":{"b":{"y":2,"z":1},"c":null},"b":[3,1,2]}',
    )
  })

  it('has no output for a value that is not JSON', () => {
    expect(() => jcs(undefined)).toThrow(TypeError)
    expect(() => jcs(() => 1)).toThrow(TypeError)
  })

  it('gives one result for equal objects built in different key orders', () => {
    const a = { name: 'Alice', keys: { x: 'X', y: 'Y' }, list: [{ q: 1, p: 2 }], n: 1 }
    const b = { list: [{ p: 2, q: 1 }], n: 1.0, keys: { y: 'Y', x: 'X' }, name: 'Alice' }
    expect(JSON.stringify(a)).not.toBe(JSON.stringify(b))
    expect(jcs(a)).toBe(jcs(b))
    expect(jcs(a)).toBe('{"keys":{"x":"X","y":"Y"},"list":[{"p":2,"q":1}],"n":1,"name":"Alice"}')
  })

  it('is independent of key insertion order for any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(jcs(reordered(value))).toBe(jcs(value))
      }),
      { numRuns: 300 },
    )
  })
})
