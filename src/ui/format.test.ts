import { describe, expect, it } from 'vitest'
import { bytes, eta, formatDuration, percent, speed } from './format.ts'

describe('transfer figures', () => {
  it('sizes count in thousands with one decimal below 100', () => {
    expect(bytes(0)).toBe('0 B')
    expect(bytes(999)).toBe('999 B')
    expect(bytes(1_500)).toBe('1.5 KB')
    expect(bytes(20_971_520)).toBe('21.0 MB')
    expect(bytes(150_000_000)).toBe('150 MB')
    expect(bytes(1_073_741_824)).toBe('1.1 GB')
    expect(speed(2_500_000)).toBe('2.5 MB/s')
  })

  it('time left reads in seconds, minutes or hours, and unknown stays unknown', () => {
    expect(eta(null)).toBeNull()
    expect(eta(Infinity)).toBeNull()
    expect(eta(0.2)).toBe('1 s')
    expect(eta(61)).toBe('2 min')
    expect(eta(3_900)).toBe('1 h 5 min')
  })

  it('progress never shows 100 % before it is whole', () => {
    expect(percent(0.999)).toBe(99)
    expect(percent(1)).toBe(100)
  })
})

describe('call duration', () => {
  it('reads m:ss, and h:mm:ss past an hour', () => {
    expect(formatDuration(0)).toBe('0:00')
    expect(formatDuration(7_900)).toBe('0:07')
    expect(formatDuration(754_000)).toBe('12:34')
    expect(formatDuration(3_723_000)).toBe('1:02:03')
  })
})
