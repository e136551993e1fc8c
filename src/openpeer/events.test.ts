import { describe, expect, expectTypeOf, it, vi } from 'vitest'
import type { OpenPeerClient } from './client/client.ts'
import { Emitter } from './events.ts'

interface Events {
  'message:received': { body: string }
  'finder:state': { state: 'online' | 'offline' }
}

describe('Emitter', () => {
  it('delivers to listeners until they unsubscribe, and survives a throwing listener', () => {
    // A listener's error is rethrown later, outside the emitter: caught here to look at it.
    const later: (() => void)[] = []
    const spy = vi.spyOn(globalThis, 'queueMicrotask').mockImplementation((fn) => later.push(fn))
    try {
      const e = new Emitter<Events>()
      const got: string[] = []
      e.on('message:received', () => {
        throw new Error('a faulty listener')
      })
      const off = e.on('message:received', ({ body }) => got.push(body))
      e.emit('message:received', { body: 'one' })
      off()
      e.emit('message:received', { body: 'two' })
      expect(got).toEqual(['one'])
      expect(later).toHaveLength(2)
      expect(() => later[0]?.()).toThrow('a faulty listener')
    } finally {
      spy.mockRestore()
    }
  })

  // Checked by `tsc` (npm run typecheck): each @ts-expect-error fails the build if its line
  // compiles, so a misspelt event name or a wrong payload can never slip through again.
  it('makes a misspelt event name or a wrong payload a compile error', () => {
    const e = new Emitter<Events>()
    // @ts-expect-error: no such event
    e.on('mesage:recieved', () => {})
    // @ts-expect-error: no such event
    e.emit('no-such-event', 42)
    // @ts-expect-error: wrong payload
    e.emit('message:received', { text: 'hi' })
    expectTypeOf(e.on).parameter(0).toEqualTypeOf<'message:received' | 'finder:state'>()
  })

  it("types the client's own events the same way", () => {
    const typed = (client: OpenPeerClient): void => {
      // @ts-expect-error: the client has no such event
      client.on('message:recieved', () => {})
      client.on('message:received', (m) => expectTypeOf(m.body).toBeString())
    }
    expect(typeof typed).toBe('function')
  })
})
