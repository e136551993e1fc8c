/**
 * The Network Information API (Chromium on Android and desktop; absent in Firefox and Safari,
 * where we cannot tell and so never assume mobile data).
 */
export interface NetworkInformation extends EventTarget {
  type?: string
}

/** The part of `navigator` this reads (a port: tests pass a fake). */
export interface HasConnection {
  readonly connection?: NetworkInformation | undefined
}

export function onCellular(nav: HasConnection): boolean {
  return nav.connection?.type === 'cellular'
}

/** Calls `fn` now and whenever the link type changes; returns the unsubscribe. */
export function watchCellular(nav: HasConnection, fn: (cellular: boolean) => void): () => void {
  const c = nav.connection
  fn(onCellular(nav))
  if (!c) return () => {}
  const changed = (): void => fn(onCellular(nav))
  c.addEventListener('change', changed)
  return () => c.removeEventListener('change', changed)
}
