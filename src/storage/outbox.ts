import { del, set, values, type UseStore } from 'idb-keyval'
import type { OutboxItem, OutboxStore } from '../openpeer/index.ts'
import { guard } from './db.ts'

/** Messages waiting for their delivered receipt, keyed by message id. */
export function idbOutboxStore(store: UseStore): OutboxStore {
  return {
    list: () => guard('read the outbox', () => values<OutboxItem>(store)),
    put: (item) => guard('save a message', () => set(item.msgId, item, store)),
    delete: (msgId) => guard('update the outbox', () => del(msgId, store)),
  }
}
