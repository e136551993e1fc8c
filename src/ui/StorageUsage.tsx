import { useMobile } from '../state/mobile.ts'
import { bytes } from './format.ts'

/** "Storage: 12 MB used, 1.2 GB free" under the Transfers heading (navigator.storage.estimate). */
export function StorageUsage() {
  const storage = useMobile((s) => s.storage)
  if (!storage || !storage.quota) return null
  const free = Math.max(0, storage.quota - storage.usage)
  return (
    <p className="small muted" aria-label="Storage">
      Storage: {bytes(storage.usage)} used, {bytes(free)} free
    </p>
  )
}
