// @vitest-environment node
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signJson } from '../src/openpeer/identity/index.ts'
import { connect, type TestClient } from './test-client.ts'
import { makeContact, sessionCreateBody, type TestContact } from './test-identity.ts'
import { startFinder, type TestFinder } from './test-server.ts'

let finder: TestFinder
let alice: TestContact
let bob: TestContact
const clients: TestClient[] = []

async function client(): Promise<TestClient> {
  const c = await connect(finder.finderUrl)
  clients.push(c)
  return c
}

beforeAll(async () => {
  finder = await startFinder({ limits: { locationsPerContact: 2 } })
  ;[alice, bob] = await Promise.all([
    makeContact(finder.domain, 'Alice'),
    makeContact(finder.domain, 'Bob'),
  ])
})

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()))
  await finder.server.close()
})

describe('session-create', () => {
  it('registers a location, after which peer-file-get returns section A', async () => {
    const c = await client()
    const before = Date.now()
    const result = await c.request(
      'session-create',
      await sessionCreateBody(alice, finder.domain, 'a1'),
    )
    expect(result.error).toBeUndefined()
    expect(result.location).toBe('a1')
    expect(result.expires).toBeGreaterThanOrEqual(before + 10 * 60_000)

    const other = await client()
    const file = await other.request('peer-file-get', { contactId: alice.contactId })
    expect(file.peer).toEqual({ A: alice.A })
  })

  it('answers peer-file-get for a contact never seen with 404', async () => {
    const c = await client()
    const result = await c.request('peer-file-get', { contactId: 'f'.repeat(64) })
    expect(result.error?.code).toBe(404)
    expect(result.error?.reason).toMatch(/^ERR_NOT_FOUND/)
  })

  it('refuses a replayed session proof with 401 ERR_REPLAY', async () => {
    const c = await client()
    const body = await sessionCreateBody(bob, finder.domain, 'b1')
    expect((await c.request('session-create', body)).error).toBeUndefined()
    const again = await c.request('session-create', body)
    expect(again.error?.code).toBe(401)
    expect(again.error?.reason).toMatch(/^ERR_REPLAY/)
  })

  it('refuses an expired proof with 401 ERR_EXPIRED', async () => {
    const c = await client()
    const body = await sessionCreateBody(bob, finder.domain, 'b2', {
      now: Date.now() - 10 * 60_000,
    })
    const result = await c.request('session-create', body)
    expect(result.error?.code).toBe(401)
    expect(result.error?.reason).toMatch(/^ERR_EXPIRED/)
  })

  it('refuses a proof claiming more than the 5 minute lifetime', async () => {
    const c = await client()
    const body = await sessionCreateBody(bob, finder.domain, 'b2', { lifetime: 60 * 60_000 })
    expect((await c.request('session-create', body)).error?.reason).toMatch(/^ERR_EXPIRED/)
  })

  it('refuses a tampered proof with 401 ERR_SIGNATURE', async () => {
    const c = await client()
    const body = await sessionCreateBody(bob, finder.domain, 'b3')
    body.proof.location.label = 'changed after signing'
    const result = await c.request('session-create', body)
    expect(result.error?.code).toBe(401)
    expect(result.error?.reason).toMatch(/^ERR_SIGNATURE/)
  })

  it('refuses a proof signed by a key other than section A', async () => {
    const c = await client()
    const body = await sessionCreateBody(bob, finder.domain, 'b3', { withB: false })
    body.proof.peer.A = alice.A
    expect((await c.request('session-create', body)).error?.reason).toMatch(/^ERR_SIGNATURE/)
  })

  it('refuses a proof made for another finder with 403', async () => {
    const c = await client()
    const result = await c.request(
      'session-create',
      await sessionCreateBody(bob, 'other.example', 'b4'),
    )
    expect(result.error?.code).toBe(403)
    expect(result.error?.reason).toMatch(/^ERR_FORBIDDEN: proof is for another finder/)
  })

  it('refuses a section B that names another contact with 401 ERR_CONTACT_MISMATCH', async () => {
    const c = await client()
    const body = await sessionCreateBody(bob, finder.domain, 'b5', { B: alice.B })
    // Alice's B names Alice: refused before any signature is checked (the cheap check first)…
    expect((await c.request('session-create', body)).error?.reason).toMatch(/^ERR_CONTACT_MISMATCH/)
    // …and a B Bob signed himself for Alice's URI fails the contact check.
    const forged = await signJson(bob.keys.sign.privateKey, {
      contact: alice.uri,
      findSecret: bob.B.findSecret,
      updated: Date.now(),
    })
    const result = await c.request(
      'session-create',
      await sessionCreateBody(bob, finder.domain, 'b5', { B: forged }),
    )
    expect(result.error?.code).toBe(401)
    expect(result.error?.reason).toMatch(/^ERR_CONTACT_MISMATCH/)
  })

  it('refuses more locations per contact than the limit with 409', async () => {
    const carol = await makeContact(finder.domain, 'Carol')
    const [c1, c2, c3] = await Promise.all([client(), client(), client()])
    expect(
      (await c1.request('session-create', await sessionCreateBody(carol, finder.domain, 'c1')))
        .error,
    ).toBeUndefined()
    expect(
      (await c2.request('session-create', await sessionCreateBody(carol, finder.domain, 'c2')))
        .error,
    ).toBeUndefined()
    const third = await c3.request(
      'session-create',
      await sessionCreateBody(carol, finder.domain, 'c3'),
    )
    expect(third.error?.code).toBe(409)
    expect(third.error?.reason).toMatch(/^ERR_CONFLICT/)
    // The same location registering again (a reloaded page) replaces, it does not count twice.
    const reload = await c3.request(
      'session-create',
      await sessionCreateBody(carol, finder.domain, 'c2'),
    )
    expect(reload.error).toBeUndefined()
    expect((await c2.request('session-keep-alive', {})).error?.code).toBe(403)
    // A socket re-registering moves its location rather than adding one.
    expect(
      (await c1.request('session-create', await sessionCreateBody(carol, finder.domain, 'c4')))
        .error,
    ).toBeUndefined()
  })

  it('frees the location of a closed socket: a phone reconnecting at new locations is not locked out', async () => {
    // Its own finder: a location a contact, and an IP budget of its own.
    const own = await startFinder({ limits: { locationsPerContact: 1 } })
    try {
      const dave = await makeContact(own.domain, 'Dave')
      // Five reconnections, each at a fresh location id: every one registers once the server
      // has seen the previous socket close (a few ms; a stale entry would hold the only slot
      // for the 10 minutes of its registration).
      for (let i = 1; i <= 5; i++) {
        const c = await connect(own.finderUrl)
        await expect
          .poll(
            async () => {
              const body = await sessionCreateBody(dave, own.domain, `d${i}`)
              return (await c.request('session-create', body)).error?.reason ?? 'registered'
            },
            { interval: 50 },
          )
          .toBe('registered')
        await c.close()
      }
    } finally {
      await own.server.close()
    }
  })
})

describe('session-keep-alive and session-delete', () => {
  it('extends a registration, and refuses an unregistered socket with 403', async () => {
    const c = await client()
    expect((await c.request('session-keep-alive', {})).error?.code).toBe(403)
    const dave = await makeContact(finder.domain, 'Dave')
    const created = await c.request(
      'session-create',
      await sessionCreateBody(dave, finder.domain, 'd1'),
    )
    await new Promise((r) => setTimeout(r, 5))
    const kept = await c.request('session-keep-alive', {})
    expect(kept.error).toBeUndefined()
    expect(kept.expires).toBeGreaterThan(created.expires as number)

    expect(await c.request('session-delete', {})).toMatchObject({
      kind: 'result',
      type: 'session-delete',
    })
    expect((await c.request('session-keep-alive', {})).error?.reason).toMatch(/^ERR_FORBIDDEN/)
  })

  it('sweeps registrations whose keep-alive is overdue', async () => {
    const quick = await startFinder({ limits: { registrationTtl: 30, sweepInterval: 10 } })
    try {
      const erin = await makeContact(quick.domain, 'Erin')
      const c = await connect(quick.finderUrl)
      expect(
        (await c.request('session-create', await sessionCreateBody(erin, quick.domain, 'e1')))
          .error,
      ).toBeUndefined()
      await new Promise((r) => setTimeout(r, 80))
      expect((await c.request('session-keep-alive', {})).error?.code).toBe(403)
      await c.close()
    } finally {
      await quick.server.close()
    }
  })
})
