import { describe, expect, it } from 'vitest'
import { checkDomain, formatPeerUri, isPeerUri, parsePeerUri } from './uri.ts'

const ID = '0123456789abcdef'.repeat(4)

function expectUriError(f: () => unknown, message?: RegExp): void {
  let caught: unknown
  try {
    f()
  } catch (e) {
    caught = e
  }
  expect(caught).toMatchObject({ name: 'OpenPeerError', code: 'ERR_URI', status: 400 })
  if (message) expect((caught as Error).message).toMatch(message)
}

describe('peer URI', () => {
  it.each([
    'finder.example',
    'localhost:10443',
    'localhost',
    'a-b.c-d.example:443',
    '127.0.0.1:8080',
    '[::1]:8443',
    '[2001:db8::1]',
    'x.example:65535',
    'x.example:1',
  ])('round trips the domain %s', (domain) => {
    const uri = formatPeerUri({ domain, contactId: ID })
    expect(uri).toBe(`peer://${domain}/${ID}`)
    expect(parsePeerUri(uri)).toEqual({ domain, contactId: ID })
    expect(isPeerUri(uri)).toBe(true)
  })

  it('parses host:port and a bracketed IPv6 host', () => {
    expect(parsePeerUri(`peer://localhost:10443/${ID}`)).toEqual({
      domain: 'localhost:10443',
      contactId: ID,
    })
    expect(parsePeerUri(`peer://[fe80::1]:10443/${ID}`)).toEqual({
      domain: '[fe80::1]:10443',
      contactId: ID,
    })
  })

  it('says when the scheme is missing or wrong', () => {
    expectUriError(() => parsePeerUri(`finder.example/${ID}`), /peer:\/\//)
    expectUriError(() => parsePeerUri(`https://finder.example/${ID}`), /peer:\/\//)
    expectUriError(() => parsePeerUri(`PEER://finder.example/${ID}`), /peer:\/\//)
    expectUriError(() => parsePeerUri(''), /peer:\/\//)
  })

  it('says a contact id is 64 lowercase hex digits', () => {
    expectUriError(
      () => parsePeerUri(`peer://finder.example/${ID.toUpperCase()}`),
      /64 lowercase hex/,
    )
    expectUriError(() => parsePeerUri(`peer://finder.example/${ID.slice(1)}`), /64 lowercase hex/)
    expectUriError(() => parsePeerUri(`peer://finder.example/${ID}0`), /64 lowercase hex/)
    expectUriError(() => parsePeerUri(`peer://finder.example/${ID.slice(1)}g`), /64 lowercase hex/)
    expectUriError(() => parsePeerUri('peer://finder.example/'), /64 lowercase hex/)
  })

  it.each([
    'Finder.Example',
    'bad_domain.example',
    '-x.example',
    'x-.example',
    'a..b',
    'exa mple.com',
    'finder.example.',
    'finder.example:',
    'finder.example:port',
    'finder.example/x',
    'user@finder.example',
    '[::1',
    `${'a'.repeat(64)}.example`,
  ])('refuses the bad domain %j', (domain) => {
    expectUriError(() => parsePeerUri(`peer://${domain}/${ID}`), /not a domain/)
    expectUriError(() => formatPeerUri({ domain, contactId: ID }), /not a domain/)
    expect(isPeerUri(`peer://${domain}/${ID}`)).toBe(false)
  })

  it('refuses a port out of range', () => {
    expectUriError(() => parsePeerUri(`peer://finder.example:70000/${ID}`), /port 70000/)
    expectUriError(() => parsePeerUri(`peer://finder.example:0/${ID}`), /port 0/)
    expectUriError(() => checkDomain('[::1]:65536'), /port 65536/)
  })

  it('refuses a URI without a domain', () => {
    expectUriError(() => parsePeerUri(`peer:///${ID}`))
    expectUriError(() => parsePeerUri(`peer://${ID}`))
  })

  it('formatPeerUri refuses a bad contact id', () => {
    expectUriError(() => formatPeerUri({ domain: 'finder.example', contactId: 'abc' }))
  })

  it('keeps a long bad domain out of the error message', () => {
    let message = ''
    try {
      checkDomain('X'.repeat(300))
    } catch (e) {
      message = (e as Error).message
    }
    expect(message).toMatch(/not a domain/)
    expect(message.length).toBeLessThan(200)
  })
})
