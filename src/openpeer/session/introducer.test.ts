import { describe, expect, it } from 'vitest'
import type { RequestOf } from '../wire/messages.ts'
import { Introducer } from './introducer.ts'
import type { PeerSession } from './peer-session.ts'

const ALICE = 'a'.repeat(64)
const BOB = 'b'.repeat(64)

/** What the introducer reads of a session, and what it was asked to carry. */
function session(contactId: string, locationId: string, sig: string) {
  const sent: { type: string; body: unknown }[] = []
  const s = {
    remoteContactId: contactId,
    remoteLocationId: locationId,
    remotePeer: { file: { A: { sig } } },
    sent,
    request: async (type: string, body: unknown) => {
      sent.push({ type, body })
      // A target names itself (Rendezvous.receiveFind); an older one gives only the count.
      return locationId === 'old' ? { locations: 1 } : { locations: 1, to: [locationId] }
    },
    notify: (type: string, body: unknown) => void sent.push({ type, body }),
  }
  return s as unknown as PeerSession & { sent: typeof sent }
}

function find(from: { sig: string; location: string }, to: string, context = 'ctx-1') {
  return {
    v: 1,
    kind: 'request',
    type: 'peer-location-find',
    id: 'r1',
    proof: {
      to: `peer://finder.test/${to}`,
      context,
      from: { sig: from.sig },
      fromLocation: from.location,
    },
  } as unknown as RequestOf<'peer-location-find'>
}

describe('Introducer', () => {
  it('names the locations only when every target named its own', async () => {
    const alice = session(ALICE, 'a1', 'sig-a')
    const [b1, old] = [session(BOB, 'b1', 'sig-b'), session(BOB, 'old', 'sig-b')]
    const both = new Introducer({ sessionsOf: () => [b1, old] })
    await expect(both.forward(alice, find({ sig: 'sig-a', location: 'a1' }, BOB))).resolves.toEqual(
      { locations: 2 },
    )
    const one = new Introducer({ sessionsOf: () => [b1] })
    await expect(
      one.forward(alice, find({ sig: 'sig-a', location: 'a1' }, BOB, 'ctx-2')),
    ).resolves.toEqual({ locations: 1, to: ['b1'] })
  })

  it('passes a find from its author to the target, and routes the answers back and forth', async () => {
    const alice = session(ALICE, 'a1', 'sig-a')
    const bob = session(BOB, 'b1', 'sig-b')
    const introducer = new Introducer({ sessionsOf: (id) => (id === BOB ? [bob] : []) })
    await expect(
      introducer.forward(alice, find({ sig: 'sig-a', location: 'a1' }, BOB)),
    ).resolves.toEqual({
      locations: 1,
      to: ['b1'],
    })
    expect(bob.sent.map((m) => m.type)).toEqual(['peer-location-find'])
    const reply = { type: 'peer-location-find', proof: { context: 'ctx-1' } }
    expect(introducer.route(bob, reply as never)).toBe(true)
    expect(alice.sent).toEqual([{ type: 'peer-location-find', body: { proof: reply.proof } }])
    const signal = { type: 'peer-location-signal', proof: { context: 'ctx-1', to: 'b1' } }
    expect(introducer.route(alice, signal as never)).toBe(true)
    expect(bob.sent.at(-1)).toEqual({ type: 'peer-location-signal', body: { proof: signal.proof } })
    // An exchange it does not carry is somebody else's business.
    expect(
      introducer.route(alice, { type: 'peer-location-find', proof: { context: 'other' } } as never),
    ).toBe(false)
  })

  it('refuses a find whose author is not the contact handing it over', async () => {
    const alice = session(ALICE, 'a1', 'sig-a')
    const bob = session(BOB, 'b1', 'sig-b')
    const introducer = new Introducer({ sessionsOf: () => [bob] })
    await expect(
      introducer.forward(alice, find({ sig: 'sig-mallory', location: 'a1' }, BOB)),
    ).rejects.toMatchObject({ code: 'ERR_FORBIDDEN' })
    await expect(
      introducer.forward(alice, find({ sig: 'sig-a', location: 'elsewhere' }, BOB)),
    ).rejects.toMatchObject({ code: 'ERR_FORBIDDEN' })
    expect(bob.sent).toEqual([])
  })

  it('answers not found for a contact it is not connected to, and forgets routes with their sessions', async () => {
    const alice = session(ALICE, 'a1', 'sig-a')
    const bob = session(BOB, 'b1', 'sig-b')
    let connected = false
    const introducer = new Introducer({ sessionsOf: () => (connected ? [bob] : []) })
    await expect(
      introducer.forward(alice, find({ sig: 'sig-a', location: 'a1' }, BOB)),
    ).rejects.toMatchObject({ code: 'ERR_NOT_FOUND' })
    connected = true
    await introducer.forward(alice, find({ sig: 'sig-a', location: 'a1' }, BOB, 'ctx-2'))
    introducer.forget(alice)
    expect(
      introducer.route(bob, { type: 'peer-location-find', proof: { context: 'ctx-2' } } as never),
    ).toBe(false)
  })
})
