import { describe, expect, it } from 'vitest'
import { createIdentity } from '../client/identity.ts'
import { createMemoryStores } from '../memory.ts'
import type { StoredIdentity } from '../ports.ts'
import { generateIdentityKeys } from './keys.ts'
import { exportIdentity, importIdentity } from './portable.ts'
import { signJson, verifyJson } from './sign.ts'

const make = (name: string): Promise<StoredIdentity> =>
  createIdentity(createMemoryStores().keys, { name, domain: 'app.test', locationLabel: 'test' })

describe('portable identities (the one way keys leave a device)', () => {
  it('round-trips: the copy signs as the identity and can move on again', async () => {
    const alice = await make('Alice')
    const copy = await importIdentity(
      JSON.parse(JSON.stringify(await exportIdentity(alice))),
      'test',
    )
    expect(copy.contactId).toBe(alice.contactId)
    const signed = await signJson(copy.keys.sign.privateKey, { hello: 1 })
    await verifyJson(alice.file.A.signKey, signed, 'test')
    await expect(exportIdentity(copy)).resolves.toBeDefined()
  })

  it('refuses keys made before device linking with ERR_KEYS_LOCKED', async () => {
    const alice = await make('Alice')
    const locked = { ...alice, keys: await generateIdentityKeys() }
    await expect(exportIdentity(locked)).rejects.toMatchObject({ code: 'ERR_KEYS_LOCKED' })
  })

  it("refuses keys that are not the peer file's (ERR_CONTACT_MISMATCH)", async () => {
    const [alice, mallory] = await Promise.all([make('Alice'), make('Mallory')])
    const mixed = { ...(await exportIdentity(alice)), keys: (await exportIdentity(mallory)).keys }
    await expect(importIdentity(mixed, 'test')).rejects.toMatchObject({
      code: 'ERR_CONTACT_MISMATCH',
    })
  })
})
