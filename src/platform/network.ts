/**
 * The Network Information API (Chromium on Android and desktop; absent in Firefox and Safari,
 * where we cannot tell and so never assume mobile data).
 */
interface NetworkInformation extends EventTarget {
  type?: string
}

function connection(): NetworkInformation | undefined {
  return (navigator as Navigator & { connection?: NetworkInformation }).connection
}

export function onCellular(): boolean {
  return connection()?.type === 'cellular'
}

/** Calls `fn` now and whenever the link type changes; returns the unsubscribe. */
export function watchCellular(fn: (cellular: boolean) => void): () => void {
  const c = connection()
  fn(onCellular())
  if (!c) return () => {}
  const changed = (): void => fn(onCellular())
  c.addEventListener('change', changed)
  return () => c.removeEventListener('change', changed)
}
