import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { isOpenPeerError } from '../errors.ts'
import { newFindSecret } from './find-secret.ts'
import { formatInvite, parseInvite, type Invite } from './invite.ts'
import { jcs } from './jcs.ts'
import { generateIdentityKeys } from './keys.ts'
import { decodeLinkCard, encodeLinkCard } from './link-card.ts'
import { contactIdOf, createSectionA } from './peer-file.ts'

/** Arbitrary UTF-16 code units, lone surrogates included (much faster than unit: 'binary'). */
const utf16Units = (maxLength: number): fc.Arbitrary<string> =>
  fc
    .array(fc.integer({ min: 0, max: 0xffff }), { maxLength })
    .map((units) => String.fromCharCode(...units))

const ID = 'fedcba9876543210'.repeat(4)
const SECRET = 'q6z1Vd3w0bXhS9yJtK2mPA'
const INVITE: Invite = { domain: 'finder.example', contactId: ID, findSecret: SECRET }

function inviteError(text: string): Error {
  try {
    parseInvite(text)
  } catch (e) {
    expect(e).toMatchObject({ name: 'OpenPeerError', code: 'ERR_INVITE', status: 400 })
    return e as Error
  }
  throw new Error(`parseInvite accepted ${JSON.stringify(text)}`)
}

describe('invite links', () => {
  it('formats the link with the fragment, one slash after the origin', () => {
    const link = `https://app.example/#/i/finder.example/${ID}.${SECRET}`
    expect(formatInvite('https://app.example', INVITE)).toBe(link)
    expect(formatInvite('https://app.example/', INVITE)).toBe(link)
    expect(formatInvite('https://app.example//', INVITE)).toBe(link)
  })

  it.each([
    INVITE,
    { domain: 'localhost:10443', contactId: ID, findSecret: newFindSecret() },
    { domain: '[::1]:8443', contactId: ID, findSecret: 'A'.repeat(64) },
    { domain: '127.0.0.1', contactId: ID, findSecret: '-_'.repeat(11) },
  ])('round trips %j', (invite) => {
    expect(parseInvite(formatInvite('https://app.example', invite))).toEqual(invite)
    expect(parseInvite(formatInvite('http://localhost:5173/app/', invite))).toEqual(invite)
  })

  it('accepts the bare fragment, with or without #, and surrounding white space', () => {
    expect(parseInvite(`#/i/finder.example/${ID}.${SECRET}`)).toEqual(INVITE)
    expect(parseInvite(`/i/finder.example/${ID}.${SECRET}`)).toEqual(INVITE)
    expect(parseInvite(`  https://app.example/#/i/finder.example/${ID}.${SECRET}\n`)).toEqual(
      INVITE,
    )
  })

  it('lower-cases and percent-decodes the domain', () => {
    expect(parseInvite(`#/i/Finder.EXAMPLE/${ID}.${SECRET}`).domain).toBe('finder.example')
    expect(parseInvite(`#/i/%5B%3A%3A1%5D:8443/${ID}.${SECRET}`).domain).toBe('[::1]:8443')
  })

  it('refuses text that is not an invite link', () => {
    expect(inviteError('hello').message).toMatch(/not an invite link/)
    expect(inviteError('https://app.example/').message).toMatch(/not an invite link/)
    expect(inviteError(`https://app.example/#/x/finder.example/${ID}.${SECRET}`).message).toMatch(
      /not an invite link/,
    )
    expect(inviteError(`peer://finder.example/${ID}`).message).toMatch(/not an invite link/)
  })

  it('refuses the empty string', () => {
    expect(inviteError('').message).toMatch(/not an invite link/)
    expect(inviteError('   ').message).toMatch(/not an invite link/)
  })

  it('says when the find secret is missing', () => {
    expect(inviteError(`https://app.example/#/i/finder.example/${ID}`).message).toMatch(
      /secret is missing/,
    )
  })

  it('says when the contact id is damaged', () => {
    for (const id of [ID.slice(1), ID.toUpperCase(), `${ID}0`, ID.replace('f', 'g'), '']) {
      expect(inviteError(`#/i/finder.example/${id}.${SECRET}`).message).toMatch(/damaged/)
    }
  })

  it('says when the domain is damaged', () => {
    for (const domain of ['bad_domain', 'x.example:70000', '%zz', 'a/b', '']) {
      expect(inviteError(`#/i/${domain}/${ID}.${SECRET}`).message).toMatch(
        /damaged|not an invite link/,
      )
    }
  })

  it('says when the find secret is malformed', () => {
    for (const secret of [
      '',
      'short',
      'A'.repeat(21),
      'A'.repeat(65),
      `${SECRET.slice(1)}+`,
      `x.${SECRET}`,
    ]) {
      expect(inviteError(`#/i/finder.example/${ID}.${secret}`).message).toMatch(
        /find secret is malformed/,
      )
    }
  })

  it("carries the inviter's section A, given back whole", async () => {
    const A = await createSectionA(await generateIdentityKeys(), 'finder.example')
    const contactId = await contactIdOf(A)
    const card = encodeLinkCard(A)
    const link = formatInvite('https://app.example', { ...INVITE, contactId, card })
    expect(link.length).toBeLessThan(350)
    const back = parseInvite(link)
    expect(back).toEqual({ ...INVITE, contactId, card })
    expect(jcs(await decodeLinkCard(back.card as string, back.domain))).toBe(jcs(A))
  })

  it('says when the card a link carries cannot be read, or more follows it', () => {
    expect(inviteError(`#/i/finder.example/${ID}.${SECRET}.x`).message).toMatch(
      /damaged: its card is not base64url/,
    )
    expect(inviteError(`#/i/finder.example/${ID}.${SECRET}.${'A'.repeat(40)}`).message).toMatch(
      /damaged: its card has the wrong length/,
    )
    expect(inviteError(`#/i/finder.example/${ID}.${SECRET}.${'B'.repeat(191)}`).message).toMatch(
      /damaged: its card is of an unknown version/,
    )
    expect(inviteError(`#/i/finder.example/${ID}.${SECRET}.AAAA.AAAA`).message).toMatch(
      /too many parts/,
    )
  })

  it('refuses a 300-character garbage string', () => {
    let garbage = ''
    for (let i = 0; garbage.length < 300; i++) garbage += String.fromCharCode(33 + ((i * 37) % 94))
    inviteError(garbage)
    inviteError(`#/i/${garbage}`)
  })

  it('never throws anything but ERR_INVITE on arbitrary text', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 300 }),
          utf16Units(300),
          fc.string({ maxLength: 100 }).map((s) => `#/i/${s}/${ID}.${SECRET}`),
          fc.string({ maxLength: 100 }).map((s) => `#/i/finder.example/${s}`),
        ),
        (text) => {
          try {
            const invite = parseInvite(text)
            expect(invite.contactId).toMatch(/^[0-9a-f]{64}$/)
          } catch (e) {
            expect(isOpenPeerError(e, 'ERR_INVITE')).toBe(true)
          }
        },
      ),
      { numRuns: 500 },
    )
  })
})
