import { get, set, values, type UseStore } from 'idb-keyval'
import type { ContactRecord, ContactStore } from '../openpeer/index.ts'
import { guard } from './db.ts'

/** Contact records keyed by contact id. */
export function idbContactStore(store: UseStore): ContactStore {
  return {
    list: () => guard('read contacts', () => values<ContactRecord>(store)),
    get: (contactId) => guard('read a contact', () => get<ContactRecord>(contactId, store)),
    put: (contact) => guard('save a contact', () => set(contact.contactId, contact, store)),
  }
}
