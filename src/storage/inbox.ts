import { update, type UseStore } from 'idb-keyval'
import type { InboxStore } from '../openpeer/index.ts'
import { guard } from './db.ts'

/** Received message ids, so a message resent after a lost receipt is not shown twice. */
export function idbInboxStore(store: UseStore): InboxStore {
  return {
    markSeen: (msgId) =>
      guard('record a received message', async () => {
        let fresh = false
        // `update` reads and writes in one transaction: two copies arriving at once cannot both
        // count as new.
        await update<number>(
          msgId,
          (seen) => {
            fresh = seen === undefined
            return seen ?? Date.now()
          },
          store,
        )
        return fresh
      }),
  }
}
