import type {
  ContactRecord,
  ContactStore,
  InboxStore,
  KeyStore,
  OutboxItem,
  OutboxStore,
  StoredIdentity,
} from './ports.ts'

/**
 * In-memory stores for Node hosts (tests, a super-peer without a disk) and for the app's
 * "in-memory state" default on the server side. Same contracts as the IndexedDB repositories.
 */
export function createMemoryStores(): {
  keys: KeyStore
  contacts: ContactStore
  outbox: OutboxStore
  inbox: InboxStore
} {
  let identity: StoredIdentity | undefined
  const contacts = new Map<string, ContactRecord>()
  const outbox = new Map<string, OutboxItem>()
  const seen = new Set<string>()
  return {
    keys: {
      load: async () => identity,
      save: async (next) => {
        identity = next
      },
      clear: async () => {
        identity = undefined
      },
    },
    contacts: {
      list: async () => [...contacts.values()],
      get: async (id) => contacts.get(id),
      put: async (c) => void contacts.set(c.contactId, c),
    },
    outbox: {
      list: async () => [...outbox.values()],
      put: async (item) => void outbox.set(item.msgId, item),
      delete: async (msgId) => void outbox.delete(msgId),
    },
    inbox: {
      markSeen: async (msgId) => {
        if (seen.has(msgId)) return false
        seen.add(msgId)
        return true
      },
    },
  }
}
