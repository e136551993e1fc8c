import { get, set, type UseStore } from 'idb-keyval'
import type { KeyStore, StoredIdentity } from '../openpeer/index.ts'
import { guard } from './db.ts'

const KEY = 'identity'

/**
 * The identity with its CryptoKeys. They are stored as-is through structured clone: the private
 * keys are non-extractable, so they never exist as bytes this app could leak.
 */
export function idbKeyStore(store: UseStore): KeyStore {
  return {
    load: () => guard('read the identity', () => get<StoredIdentity>(KEY, store)),
    save: (identity) => guard('save the identity', () => set(KEY, identity, store)),
  }
}
