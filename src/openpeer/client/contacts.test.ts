import { describe, expect, it } from 'vitest'
import { generateIdentityKeys } from '../identity/keys.ts'
import { createPeerFile, createSectionC } from '../identity/peer-file.ts'
import { createMemoryStores } from '../memory.ts'
import { Contacts } from './contacts.ts'

async function bookWithBob() {
  const store = createMemoryStores().contacts
  const book = new Contacts(store)
  const keys = await generateIdentityKeys()
  const bob = await createPeerFile(keys, { domain: 'app.test', name: 'Bob', now: 1_000 })
  await book.upsert(bob)
  return { store, book, keys, bob }
}

describe('Contacts: the verified mark', () => {
  it('starts unverified, is stored when given, and goes when taken back', async () => {
    const { store, book, bob } = await bookWithBob()
    expect(book.get(bob.contactId)?.verified).toBeUndefined()
    await book.setVerified(bob.contactId, true, 5_000)
    expect((await store.get(bob.contactId))?.verified).toBe(5_000)
    await book.setVerified(bob.contactId, false)
    expect((await store.get(bob.contactId))?.verified).toBeUndefined()
    await expect(book.setVerified('f'.repeat(64), true)).rejects.toMatchObject({
      code: 'ERR_NOT_FOUND',
    })
  })

  it('survives a newer card with the same keys (a new name)', async () => {
    const { book, keys, bob } = await bookWithBob()
    await book.setVerified(bob.contactId, true, 5_000)
    const C = await createSectionC(keys, bob.uri, 'Robert', 2_000)
    const { changed } = await book.upsert({ ...bob, file: { ...bob.file, C } })
    expect(changed).toBe(true)
    expect(book.get(bob.contactId)).toMatchObject({
      file: { C: { name: 'Robert' } },
      verified: 5_000,
    })
  })

  // Cannot happen through the client today: the contact id is the hash of section A, so other
  // keys come as another contact, and every peer file is checked against its id before it is
  // stored. The book still refuses to carry a mark over to keys nobody compared.
  it('is dropped when a card with other keys arrives under the same contact id', async () => {
    const { store, book, bob } = await bookWithBob()
    await book.setVerified(bob.contactId, true, 5_000)
    const other = await createPeerFile(await generateIdentityKeys(), {
      domain: 'app.test',
      name: 'Bob',
      now: 3_000,
    })
    const { changed } = await book.upsert({ ...other, contactId: bob.contactId, uri: bob.uri })
    expect(changed).toBe(true)
    expect(book.get(bob.contactId)?.verified).toBeUndefined()
    expect((await store.get(bob.contactId))?.verified).toBeUndefined()
  })
})
