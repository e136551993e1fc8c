import { describe, expect, it } from 'vitest'
import { bootstrapUrl } from './bootstrap.ts'

const PATH = '/.well-known/openpeer-services-get'

describe('bootstrapUrl', () => {
  it('uses https for other domains, http on loopback', () => {
    expect(bootstrapUrl('peer.example')).toBe(`https://peer.example${PATH}`)
    expect(bootstrapUrl('203.0.113.1:10443')).toBe(`https://203.0.113.1:10443${PATH}`)
    expect(bootstrapUrl('127.0.0.1:10443')).toBe(`http://127.0.0.1:10443${PATH}`)
  })

  it("bootstraps the page's own domain over the page's scheme, and only that one", () => {
    const origin = 'http://203.0.113.1:10443'
    expect(bootstrapUrl('203.0.113.1:10443', origin)).toBe(`http://203.0.113.1:10443${PATH}`)
    expect(bootstrapUrl('peer.example', origin)).toBe(`https://peer.example${PATH}`)
    expect(bootstrapUrl('203.0.113.1:10444', origin)).toBe(`https://203.0.113.1:10444${PATH}`)
    expect(bootstrapUrl('peer.example', 'https://peer.example')).toBe(`https://peer.example${PATH}`)
    // Only web origins count.
    expect(bootstrapUrl('x.example', 'file:///x.example')).toBe(`https://x.example${PATH}`)
  })
})
