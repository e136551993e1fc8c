// @vitest-environment node
import { afterEach, describe, expect, it } from 'vitest'
import { OpenPeerError } from '../src/openpeer/errors.ts'
import type { Connection } from './context.ts'
import { TokenBucket } from './limits.ts'
import { connect, type TestClient } from './test-client.ts'
import { findRequestBody, makeContact, sessionCreateBody } from './test-identity.ts'
import { startFinder, type TestFinder } from './test-server.ts'
import { VerifyGate } from './verify-gate.ts'

const open: (TestClient | TestFinder)[] = []
afterEach(async () => {
  for (const x of open.splice(0).reverse()) await ('close' in x ? x.close() : x.server.close())
})

describe('the signature budget per address', () => {
  it('refuses an address its excess checks with 429 ERR_RATE_LIMITED while another address is served, and registered sockets go on', async () => {
    // Two registrations with a section B (three signatures each) per address, never refilled.
    const finder = await startFinder({ limits: { verifyBurst: 6, verifyRate: 0 } })
    open.push(finder)
    const from = async (localAddress: string) => {
      const c = await connect(finder.finderUrl, { localAddress })
      open.push(c)
      return c
    }
    const [alice, bob, carol, dave] = await Promise.all([
      makeContact(finder.domain, 'Alice'),
      makeContact(finder.domain, 'Bob'),
      makeContact(finder.domain, 'Carol'),
      makeContact(finder.domain, 'Dave'),
    ])
    const a1 = await from('127.0.0.2')
    const a2 = await from('127.0.0.2')
    const a3 = await from('127.0.0.2')
    expect(
      (await a1.request('session-create', await sessionCreateBody(alice, finder.domain, 'a1')))
        .error,
    ).toBeUndefined()
    expect(
      (await a2.request('session-create', await sessionCreateBody(bob, finder.domain, 'b1'))).error,
    ).toBeUndefined()
    const refused = await a3.request(
      'session-create',
      await sessionCreateBody(carol, finder.domain, 'c1'),
    )
    expect(refused.error?.code).toBe(429)
    expect(refused.error?.reason).toMatch(/^ERR_RATE_LIMITED/)

    // Another address has its own budget.
    const d = await from('127.0.0.3')
    expect(
      (await d.request('session-create', await sessionCreateBody(dave, finder.domain, 'd1'))).error,
    ).toBeUndefined()

    // A registered socket of the spent address still finds: its checks spend no budget.
    expect(
      (await a1.request('peer-location-find', await findRequestBody(alice, 'a1', dave))).error,
    ).toBeUndefined()

    // Until it sends one bad signature: from then on it is a stranger, and the budget is spent.
    const forged = await findRequestBody(alice, 'a1', dave)
    forged.proof.sealed = (await findRequestBody(alice, 'a1', bob)).proof.sealed
    expect((await a1.request('peer-location-find', forged)).error?.reason).toMatch(/^ERR_SIGNATURE/)
    const after = await a1.request('peer-location-find', await findRequestBody(alice, 'a1', dave))
    expect(after.error?.reason).toMatch(/^ERR_RATE_LIMITED/)
  })
})

describe('VerifyGate', () => {
  const conn = (trusted: boolean, budget = new TokenBucket(0, 100)): Connection => ({
    session: 'x',
    domain: 'd',
    closed: false,
    send: () => true,
    sendText: () => true,
    trusted,
    suspect: false,
    verifyBudget: budget,
    strike: () => {},
  })
  const limits = {
    verifyConcurrency: 1,
    verifyQueue: 3,
    verifyQueuePerIp: 2,
    verifyUntrustedRate: 1e6,
  }

  it('runs trusted work first, then addresses in turn; a full line is refused with ERR_RATE_LIMITED', async () => {
    const gate = new VerifyGate(limits)
    let unblock!: () => void
    const order: string[] = []
    const job = (name: string) => async () => void order.push(name)
    const first = gate.run(conn(true), () => new Promise<void>((r) => (unblock = r)))
    const [A, B] = [new TokenBucket(0, 100), new TokenBucket(0, 100)]
    const runs = [
      gate.run(conn(false, A), job('A1')),
      gate.run(conn(false, A), job('A2')),
      gate.run(conn(false, B), job('B1')),
      gate.run(conn(true), job('trusted')),
    ]
    // A third from A is over its share of the line; the line itself is full for C.
    await expect(gate.run(conn(false, A), job('A3'))).rejects.toMatchObject({
      code: 'ERR_RATE_LIMITED',
    })
    await expect(gate.run(conn(false), job('C1'))).rejects.toMatchObject({
      code: 'ERR_RATE_LIMITED',
    })
    expect(gate.waiting).toEqual({ trusted: 1, untrusted: 3 })
    unblock()
    await Promise.all([first, ...runs])
    expect(order).toEqual(['trusted', 'A1', 'B1', 'A2'])
  })

  it('charges untrusted work to its address, and takes trust away after a bad signature', async () => {
    const gate = new VerifyGate(limits)
    const budget = new TokenBucket(0, 3)
    const stranger = conn(false, budget)
    await gate.run(stranger, async () => {}, 3)
    await expect(gate.run(stranger, async () => {})).rejects.toMatchObject({
      code: 'ERR_RATE_LIMITED',
    })
    const member = conn(true, new TokenBucket(0, 0))
    await gate.run(member, async () => {}) // trusted: no budget needed
    await expect(
      gate.run(member, () => Promise.reject(new OpenPeerError('ERR_SIGNATURE', 'forged'))),
    ).rejects.toMatchObject({ code: 'ERR_SIGNATURE' })
    expect(member).toMatchObject({ trusted: false, suspect: true })
    await expect(gate.run(member, async () => {})).rejects.toMatchObject({
      code: 'ERR_RATE_LIMITED',
    })
  })
})
