type Listener = (...args: never[]) => void

/**
 * The listener half of simple-peer's EventEmitter surface (on, once, removeListener,
 * removeAllListeners), for the library's own PeerLike implementations: the relay tunnel, the
 * path switch and the in-memory test network.
 */
export class PeerEvents {
  private readonly listeners = new Map<string, Set<Listener>>()

  on(event: string, fn: Listener): this {
    let set = this.listeners.get(event)
    if (!set) this.listeners.set(event, (set = new Set()))
    set.add(fn)
    return this
  }

  once(event: string, fn: Listener): this {
    const wrapped = Object.assign(
      (...args: never[]) => {
        this.removeListener(event, wrapped)
        fn(...args)
      },
      { original: fn },
    )
    return this.on(event, wrapped)
  }

  /** Removes `fn`, also when it was added with `once`. */
  removeListener(event: string, fn: Listener): this {
    const set = this.listeners.get(event)
    if (!set) return this
    for (const l of set)
      if (l === fn || (l as { original?: Listener }).original === fn) set.delete(l)
    return this
  }

  removeAllListeners(event?: string): this {
    if (event === undefined) this.listeners.clear()
    else this.listeners.delete(event)
    return this
  }

  protected emit(event: string, ...args: unknown[]): void {
    for (const fn of [...(this.listeners.get(event) ?? [])])
      (fn as (...a: unknown[]) => void)(...args)
  }
}
