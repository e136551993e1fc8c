import {
  createMemoryStores,
  type ContactStore,
  type InboxStore,
  type KeyStore,
  type OutboxStore,
  type TorrentPorts,
} from '../openpeer/index.ts'
import { idbContactStore } from './contacts.ts'
import { indexedDbWorks, openStore } from './db.ts'
import { idbHistoryStore, memoryHistoryStore, type HistoryStore } from './history.ts'
import { idbInboxStore } from './inbox.ts'
import { idbKeyStore } from './keys.ts'
import { idbOutboxStore } from './outbox.ts'
import { openTorrentPorts } from './torrents.ts'

export type { HistoryStore } from './history.ts'

export interface AppStores {
  keys: KeyStore
  contacts: ContactStore
  outbox: OutboxStore
  inbox: InboxStore
  history: HistoryStore
  /** shared and received files */
  torrents: TorrentPorts
  /** false when IndexedDB is unusable and everything lives only as long as the tab */
  persistent: boolean
  /** false when files live only as long as the tab (no OPFS or no IndexedDB) */
  filesPersistent: boolean
}

/** The IndexedDB repositories, or in-memory ones when this browser refuses IndexedDB. */
export async function openAppStores(): Promise<AppStores> {
  const keys = openStore('opw-keys')
  if (!(await indexedDbWorks(keys))) {
    const files = await openTorrentPorts(undefined)
    return {
      ...createMemoryStores(),
      history: memoryHistoryStore(),
      torrents: files.ports,
      persistent: false,
      filesPersistent: false,
    }
  }
  const files = await openTorrentPorts(openStore('opw-torrents'))
  return {
    keys: idbKeyStore(keys),
    contacts: idbContactStore(openStore('opw-contacts')),
    outbox: idbOutboxStore(openStore('opw-outbox')),
    inbox: idbInboxStore(openStore('opw-inbox')),
    history: idbHistoryStore(openStore('opw-history')),
    torrents: files.ports,
    persistent: true,
    filesPersistent: files.persistent,
  }
}

/** Asks the browser not to evict our data under storage pressure (it may still say no). */
export async function requestPersistence(): Promise<boolean> {
  try {
    return (await navigator.storage?.persist?.()) ?? false
  } catch {
    return false
  }
}
