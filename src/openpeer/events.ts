/** A tiny typed event emitter: `on` returns its unsubscribe (ARCHITECTURE rule 5). */
export class Emitter<Events extends Record<string, unknown>> {
  private readonly handlers = new Map<keyof Events, Set<(payload: never) => void>>()

  on<K extends keyof Events>(event: K, handler: (payload: Events[K]) => void): () => void {
    let set = this.handlers.get(event)
    if (!set) this.handlers.set(event, (set = new Set()))
    set.add(handler as (payload: never) => void)
    return () => set.delete(handler as (payload: never) => void)
  }

  emit<K extends keyof Events>(event: K, payload: Events[K]): void {
    for (const handler of [...(this.handlers.get(event) ?? [])]) {
      try {
        ;(handler as (payload: Events[K]) => void)(payload)
      } catch (err) {
        // A faulty listener must not break the protocol machinery that emitted the event.
        queueMicrotask(() => {
          throw err
        })
      }
    }
  }

  clear(): void {
    this.handlers.clear()
  }
}
