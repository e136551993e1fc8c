import {
  createMemoryStores,
  type ContactStore,
  type InboxStore,
  type KeyStore,
  type OutboxStore,
  type TorrentPorts,
} from '../openpeer/index.ts'
import { idbContactStore } from './contacts.ts'
import { clear } from 'idb-keyval'
import { guard, indexedDbWorks, openStore } from './db.ts'
import { idbHistoryStore, memoryHistoryStore, type HistoryStore } from './history.ts'
import { idbInboxStore } from './inbox.ts'
import { idbKeyStore } from './keys.ts'
import { idbOutboxStore } from './outbox.ts'
import { localPrefsStore, type PrefsStore } from './prefs.ts'
import { openTorrentPorts, sweepOrphanPieces } from './torrents.ts'

export { closePieceStore } from './torrents.ts'
export type { HistoryStore } from './history.ts'
export type { DevicePrefs, PrefsStore, Theme } from './prefs.ts'

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
  /** small device preferences ("Seed on mobile data") */
  prefs: PrefsStore
  /** frees the stored pieces of files no record owns; resolves to how many were freed */
  sweepOrphanPieces(keep: ReadonlySet<string>): Promise<number>
  /**
   * Deletes the profile's data from this browser — identity, contacts, outbox, inbox, history
   * (another device of ours removed this one, docs/devices.md)
   */
  wipe(): Promise<void>
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
      prefs: localPrefsStore,
      sweepOrphanPieces,
      // Nothing outlives the tab here; the library deletes the identity itself.
      wipe: async () => undefined,
    }
  }
  const files = await openTorrentPorts(openStore('opw-torrents'))
  const dbs = {
    contacts: openStore('opw-contacts'),
    outbox: openStore('opw-outbox'),
    inbox: openStore('opw-inbox'),
    history: openStore('opw-history'),
  }
  return {
    wipe: () =>
      guard('delete this device’s data', async () => {
        await Promise.all([keys, ...Object.values(dbs)].map((db) => clear(db)))
      }),
    keys: idbKeyStore(keys),
    contacts: idbContactStore(dbs.contacts),
    outbox: idbOutboxStore(dbs.outbox),
    inbox: idbInboxStore(dbs.inbox),
    history: idbHistoryStore(dbs.history),
    torrents: files.ports,
    persistent: true,
    filesPersistent: files.persistent,
    prefs: localPrefsStore,
    sweepOrphanPieces,
  }
}
