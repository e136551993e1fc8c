import { del, get, set, type UseStore } from 'idb-keyval'
import type { KeyStore, StoredIdentity } from '../openpeer/index.ts'
import { guard } from './db.ts'

const KEY = 'identity'

/**
 * The identity with its CryptoKeys, stored as-is through structured clone (never as JSON bytes).
 * Since device linking the private keys are extractable, and exported by the sealed device
 * transfer only (docs/devices.md); profiles made before stay non-extractable.
 */
export function idbKeyStore(store: UseStore): KeyStore {
  return {
    load: () => guard('read the identity', () => get<StoredIdentity>(KEY, store)),
    save: (identity) => guard('save the identity', () => set(KEY, identity, store)),
    clear: () => guard('delete the identity', () => del(KEY, store)),
  }
}
