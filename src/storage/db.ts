import { createStore, get, type UseStore } from 'idb-keyval'
import { OpenPeerError } from '../openpeer/index.ts'

/**
 * One IndexedDB database per concern (ARCHITECTURE: "one createStore per concern, each its own
 * DB"), so a schema change or a wipe of one never touches the others.
 */
export function openStore(dbName: string): UseStore {
  return createStore(dbName, 'kv')
}

/**
 * Runs an IndexedDB operation and turns any failure (quota exceeded, private mode, a closed
 * database) into ERR_STORAGE, so the client and the UI see one code instead of DOMExceptions.
 */
export async function guard<T>(what: string, op: () => Promise<T>): Promise<T> {
  try {
    return await op()
  } catch (cause) {
    if (cause instanceof OpenPeerError) throw cause
    throw new OpenPeerError('ERR_STORAGE', `could not ${what}`, { cause })
  }
}

/**
 * True when IndexedDB answers. Some private modes refuse to open a database and some never
 * answer at all, hence the timeout.
 */
export async function indexedDbWorks(store: UseStore, ms = 3_000): Promise<boolean> {
  if (typeof indexedDB === 'undefined') return false
  const timeout = new Promise<false>((resolve) => setTimeout(() => resolve(false), ms))
  const probe = get('probe', store).then(
    () => true,
    () => false,
  )
  return Promise.race([probe, timeout])
}
