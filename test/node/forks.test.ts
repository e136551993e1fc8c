import { afterEach, describe, expect, it } from 'vitest'
import { createOpenPeerClient, type OpenPeerClient } from '../../src/openpeer/index.ts'
import { makeClient, nodePorts, startFinder, tamperingSocket, until } from './harness.ts'
import { joinAsSecondDevice } from '../second-device.ts'

/*
 * An invite's find carries the invitee's offer, and a find forks to every online location of
 * the contact (docs/protocol.md, "Who offers"): over real WebRTC (node-datachannel), the first
 * location to answer takes the offer, the other gets a fresh one, and the invitee ends with a
 * session to each.
 */

const ORIGIN = 'http://app.test'
const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

/** Alice's second device: a new client that joins by her device link, then goes online. */
async function secondDevice(alice: OpenPeerClient, domain: string) {
  const laptop = createOpenPeerClient(nodePorts(), {
    domain,
    origin: ORIGIN,
    locationLabel: 'node laptop',
    finder: { minDelay: 100, maxDelay: 1_000 },
    timings: { keepAlive: 1_000, deadAfter: 5_000 },
  })
  cleanups.push(() => laptop.stop())
  const locationId = await joinAsSecondDevice(alice, laptop, {
    origin: ORIGIN,
    cleanups,
    ms: 15_000,
  })
  return { laptop, locationId }
}

describe('a find that forks, over real WebRTC', () => {
  it("an invite opened while the contact has two devices online: one takes the find's offer, the other a fresh one; both connect and hear the chat", async () => {
    const { server, domain } = await startFinder()
    cleanups.push(() => server.close())
    const alice = await makeClient('Alice', domain)
    cleanups.push(() => alice.stop())
    const { laptop, locationId } = await secondDevice(alice, domain)
    const received: Record<string, unknown>[] = []
    const bob = await makeClient('Bob', domain, {
      createSocket: tamperingSocket((f) => (received.push(f), f)),
    })
    cleanups.push(() => bob.stop())
    const aliceId = alice.identity()!.contactId

    const locations = new Set<string>()
    const both = new Promise<void>((resolve) =>
      bob.on('session:open', (e) => {
        if (e.contactId === aliceId) locations.add(e.locationId)
        if (locations.size === 2) resolve()
      }),
    )
    await bob.acceptInvite(alice.inviteLink(ORIGIN), { signal: AbortSignal.timeout(15_000) })
    await both
    expect(locations.has(locationId)).toBe(true)
    // Both sessions came of Bob's one find: a reply from each location, and nobody rang Bob.
    const finds = received.filter((f) => f.type === 'peer-location-find')
    const replies = finds.filter((f) => f.kind === 'notify')
    const where = replies.map((f) => (f.proof as { location: string }).location)
    expect(new Set(where).size).toBe(2)
    expect(finds.filter((f) => f.kind === 'request')).toEqual([])

    const onPhone = until(alice, 'message:received')
    const onLaptop = until(laptop, 'message:received')
    const sent = await bob.sendMessage(aliceId, 'to both of you')
    expect((await onPhone).msgId).toBe(sent.msgId)
    expect((await onLaptop).msgId).toBe(sent.msgId)
  })
})
