// @vitest-environment node
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { randomId, signJson } from '../src/openpeer/identity/index.ts'
import { connect, type Frame, type TestClient } from './test-client.ts'
import {
  findReplyBody,
  findRequestBody,
  makeContact,
  sessionCreateBody,
  signalBody,
  type TestContact,
} from './test-identity.ts'
import { startFinder, type TestFinder } from './test-server.ts'

let finder: TestFinder
let clients: TestClient[] = []

async function online(contact: TestContact, location: string, withB = true): Promise<TestClient> {
  const c = await connect(finder.finderUrl)
  clients.push(c)
  const body = await sessionCreateBody(contact, finder.domain, location, { withB })
  const result = await c.request('session-create', body)
  expect(result.error).toBeUndefined()
  return c
}

const isFind = (f: Frame) => f.type === 'peer-location-find' && f.kind === 'request'

beforeAll(async () => {
  finder = await startFinder()
})
beforeEach(async () => {
  await Promise.all(clients.map((c) => c.close()))
  clients = []
})
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()))
  await finder.server.close()
})

async function pair() {
  const [alice, bob] = await Promise.all([
    makeContact(finder.domain, 'Alice'),
    makeContact(finder.domain, 'Bob'),
  ])
  const a = await online(alice, 'a1')
  const [b1, b2] = [await online(bob, 'b1'), await online(bob, 'b2')]
  return { alice, bob, a, b1, b2 }
}

describe('peer-location-find', () => {
  it('forks to every location of the target, routes the reply and signals both ways', async () => {
    const { alice, bob, a, b1, b2 } = await pair()
    const find = await findRequestBody(alice, 'a1', bob)
    const result = await a.request('peer-location-find', find)
    expect(result.error).toBeUndefined()
    expect(result.locations).toBe(2)
    // …and names them: with one, the initiator sends its candidates at once (docs/protocol.md).
    expect((result.to as string[]).sort()).toEqual(['b1', 'b2'])

    const [f1, f2] = await Promise.all([b1.next(isFind), b2.next(isFind)])
    // The proof reaches each location byte for byte: the target re-checks the initiator's signature.
    expect(f1.proof).toEqual(find.proof)
    expect(f2.proof).toEqual(find.proof)
    expect(f1.id).toMatch(/^[A-Za-z0-9_-]{1,64}$/)

    const reply = await findReplyBody(bob, 'b2', find.proof, alice.A)
    const replyId = b2.notify('peer-location-find', reply)
    const routed = await a.next((f) => f.type === 'peer-location-find' && f.kind === 'notify')
    expect(routed.proof).toEqual(reply.proof)
    // A successful notify gets no answer.
    await new Promise((r) => setTimeout(r, 30))
    expect(b2.frames.some((f) => f.id === replyId)).toBe(false)

    const context = find.proof.context
    const toTarget = await signalBody(alice, context, 'a1', 'b2', bob.A)
    a.notify('peer-location-signal', toTarget)
    expect((await b2.next((f) => f.type === 'peer-location-signal')).proof).toEqual(toTarget.proof)

    const toInitiator = await signalBody(bob, context, 'b2', 'a1', alice.A)
    b2.notify('peer-location-signal', toInitiator)
    expect((await a.next((f) => f.type === 'peer-location-signal')).proof).toEqual(
      toInitiator.proof,
    )
    // The other location never saw the signalling meant for b2.
    expect(b1.frames.some((f) => f.type === 'peer-location-signal')).toBe(false)
  })

  it('refuses a find from an unregistered socket with 403', async () => {
    const { alice, bob } = await pair()
    const c = await connect(finder.finderUrl)
    clients.push(c)
    const result = await c.request('peer-location-find', await findRequestBody(alice, 'a9', bob))
    expect(result.error?.code).toBe(403)
    expect(result.error?.reason).toMatch(/^ERR_FORBIDDEN: register first/)
  })

  it('refuses a find naming another location than the registered one with 403', async () => {
    const { alice, bob, a } = await pair()
    const result = await a.request('peer-location-find', await findRequestBody(alice, 'a2', bob))
    expect(result.error?.code).toBe(403)
  })

  it('refuses a wrong find secret with 403 ERR_FIND_DENIED and rings nobody', async () => {
    const { alice, bob, a, b1 } = await pair()
    const body = await findRequestBody(alice, 'a1', bob, { findSecret: 'x'.repeat(22) })
    const result = await a.request('peer-location-find', body)
    expect(result.error?.code).toBe(403)
    expect(result.error?.reason).toMatch(/^ERR_FIND_DENIED/)
    await new Promise((r) => setTimeout(r, 30))
    expect(b1.frames.some(isFind)).toBe(false)
  })

  it('refuses a find secret proof one digit off (403) and rings nobody', async () => {
    const { alice, bob, a, b1 } = await pair()
    const real = await findRequestBody(alice, 'a1', bob)
    const { sig: _sig, ...unsigned } = real.proof
    const digit = unsigned.findSecretProof.at(-1) === '0' ? '1' : '0'
    const proof = await signJson(alice.keys.sign.privateKey, {
      ...unsigned,
      findSecretProof: unsigned.findSecretProof.slice(0, -1) + digit,
    })
    const result = await a.request('peer-location-find', { proof })
    expect(result.error?.reason).toMatch(/^ERR_FIND_DENIED/)
    await new Promise((r) => setTimeout(r, 30))
    expect(b1.frames.some(isFind)).toBe(false)
  })

  it("refuses a find secret proof lifted from another contact's find (403) and rings nobody", async () => {
    // Mallory holds no find secret of Bob's; she copies the proof, nonce, expiry and context of a
    // find Alice made into a find signed by herself. The proof names Alice, so it does not match.
    const { alice, bob, b1 } = await pair()
    const mallory = await makeContact(finder.domain, 'Mallory')
    const m = await online(mallory, 'm1')
    const real = await findRequestBody(alice, 'a1', bob)
    const forged = await findRequestBody(mallory, 'm1', bob, { context: real.proof.context })
    const { sig: _sig, ...unsigned } = forged.proof
    const lifted = await signJson(mallory.keys.sign.privateKey, {
      ...unsigned,
      findSecretProof: real.proof.findSecretProof,
      nonce: real.proof.nonce,
      expires: real.proof.expires,
    })
    const result = await m.request('peer-location-find', { proof: lifted })
    expect(result.error?.code).toBe(403)
    expect(result.error?.reason).toMatch(/^ERR_FIND_DENIED/)
    await new Promise((r) => setTimeout(r, 30))
    expect(b1.frames.some(isFind)).toBe(false)
  })

  it('refuses to find a contact that registered no section B', async () => {
    const [alice, carol] = await Promise.all([
      makeContact(finder.domain),
      makeContact(finder.domain),
    ])
    const a = await online(alice, 'a1')
    await online(carol, 'c1', false)
    const result = await a.request('peer-location-find', await findRequestBody(alice, 'a1', carol))
    expect(result.error?.reason).toBe('ERR_FIND_DENIED: contact is not findable')
  })

  it('answers 404 when the target is offline', async () => {
    const [alice, bob] = await Promise.all([makeContact(finder.domain), makeContact(finder.domain)])
    const a = await online(alice, 'a1')
    const result = await a.request('peer-location-find', await findRequestBody(alice, 'a1', bob))
    expect(result.error?.code).toBe(404)
    expect(result.error?.reason).toMatch(/^ERR_NOT_FOUND/)
  })

  it('refuses expired, tampered and replayed find proofs with 401', async () => {
    const { alice, bob, a } = await pair()
    const old = await findRequestBody(alice, 'a1', bob, { now: Date.now() - 10 * 60_000 })
    expect((await a.request('peer-location-find', old)).error?.reason).toMatch(/^ERR_EXPIRED/)

    // A field outside the find secret proof: only the signature can tell.
    const tampered = await findRequestBody(alice, 'a1', bob)
    tampered.proof.sealed = (await findRequestBody(alice, 'a1', bob)).proof.sealed
    const bad = await a.request('peer-location-find', tampered)
    expect(bad.error?.code).toBe(401)
    expect(bad.error?.reason).toMatch(/^ERR_SIGNATURE/)
    // The context is bound by the find secret proof too, checked first (it is cheaper).
    const moved = await findRequestBody(alice, 'a1', bob)
    moved.proof.context = randomId()
    expect((await a.request('peer-location-find', moved)).error?.reason).toMatch(/^ERR_FIND_DENIED/)

    const once = await findRequestBody(alice, 'a1', bob)
    expect((await a.request('peer-location-find', once)).error).toBeUndefined()
    expect((await a.request('peer-location-find', once)).error?.reason).toMatch(/^ERR_REPLAY/)
  })

  it('refuses a context already routed for another initiator with 409', async () => {
    const { alice, bob, a } = await pair()
    const mallory = await makeContact(finder.domain, 'Mallory')
    const m = await online(mallory, 'm1')
    const context = randomId()
    expect(
      (await a.request('peer-location-find', await findRequestBody(alice, 'a1', bob, { context })))
        .error,
    ).toBeUndefined()
    const stolen = await m.request(
      'peer-location-find',
      await findRequestBody(mallory, 'm1', bob, { context }),
    )
    expect(stolen.error?.code).toBe(409)
  })

  it('lets a contact find its other locations but not itself (400)', async () => {
    const alice = await makeContact(finder.domain)
    const a1 = await online(alice, 'a1')
    const alone = await a1.request('peer-location-find', await findRequestBody(alice, 'a1', alice))
    expect(alone.error?.code).toBe(400)
    const a2 = await online(alice, 'a2')
    const result = await a1.request('peer-location-find', await findRequestBody(alice, 'a1', alice))
    expect(result.locations).toBe(1)
    await a2.next(isFind)
  })
})

describe('routing refusals', () => {
  it('refuses replies from outside the found contact, with bad signatures or unknown contexts', async () => {
    const { alice, bob, a, b1 } = await pair()
    const find = await findRequestBody(alice, 'a1', bob)
    await a.request('peer-location-find', find)
    await b1.next(isFind)

    const answer = async (c: TestClient, body: object) => {
      const id = c.notify('peer-location-find', body as Record<string, unknown>)
      return c.next((f) => f.id === id)
    }
    // The initiator cannot forge a reply (it is not a location of bob).
    const forged = await answer(a, await findReplyBody(alice, 'a1', find.proof, alice.A))
    expect(forged.error?.code).toBe(403)
    // b1 cannot claim to be b2.
    expect(
      (await answer(b1, await findReplyBody(bob, 'b2', find.proof, alice.A))).error?.code,
    ).toBe(403)
    // A reply signed by someone else's key.
    const eve = await makeContact(finder.domain)
    const wrongKey = await answer(b1, await findReplyBody(eve, 'b1', find.proof, alice.A))
    expect(wrongKey.error?.code).toBe(401)
    expect(wrongKey.error?.reason).toMatch(/^ERR_SIGNATURE/)
    // A context nobody opened.
    const unknown = await findReplyBody(bob, 'b1', { ...find.proof, context: randomId() }, alice.A)
    expect((await answer(b1, unknown)).error?.code).toBe(404)
    expect(a.frames.some((f) => f.kind === 'notify')).toBe(false)
  })

  it('refuses signals from or to a location that is not a party to the find', async () => {
    const { alice, bob, a, b1 } = await pair()
    const eve = await makeContact(finder.domain)
    const e = await online(eve, 'e1')
    const find = await findRequestBody(alice, 'a1', bob)
    await a.request('peer-location-find', find)
    const context = find.proof.context
    const expectError = async (c: TestClient, body: object, code: number) => {
      const id = c.notify('peer-location-signal', body as Record<string, unknown>)
      expect((await c.next((f) => f.id === id)).error?.code).toBe(code)
    }
    await expectError(e, await signalBody(eve, context, 'e1', 'a1', alice.A), 403)
    await expectError(a, await signalBody(alice, context, 'a1', 'e1', eve.A), 403)
    await expectError(b1, await signalBody(bob, context, 'b1', 'b2', bob.A), 403)
    await expectError(b1, await signalBody(bob, context, 'b2', 'a1', alice.A), 403)
    await expectError(b1, await signalBody(eve, context, 'b1', 'a1', alice.A), 401)
    await expectError(a, await signalBody(alice, randomId(), 'a1', 'b1', bob.A), 404)
    expect(e.frames.some((f) => f.type === 'peer-location-signal' && f.kind === 'notify')).toBe(
      false,
    )
  })
})

describe('socket close', () => {
  it('removes the registration but keeps the peer file; finds then answer 404', async () => {
    const { alice, bob, a, b1, b2 } = await pair()
    await b1.close()
    await b2.close()
    // The server handles the close asynchronously: poll briefly instead of sleeping blindly.
    let result: Frame | undefined
    for (let i = 0; i < 50; i++) {
      result = await a.request('peer-location-find', await findRequestBody(alice, 'a1', bob))
      if (result.error) break
      await new Promise((r) => setTimeout(r, 10))
    }
    expect(result?.error?.code).toBe(404)
    expect((await a.request('peer-file-get', { contactId: bob.contactId })).peer).toEqual({
      A: bob.A,
    })
  })

  it('drops the routes the closed socket initiated', async () => {
    const { alice, bob, a, b1 } = await pair()
    const find = await findRequestBody(alice, 'a1', bob)
    await a.request('peer-location-find', find)
    await a.close()
    await new Promise((r) => setTimeout(r, 20))
    const id = b1.notify('peer-location-find', await findReplyBody(bob, 'b1', find.proof, alice.A))
    expect((await b1.next((f) => f.id === id)).error?.code).toBe(404)
  })
})
