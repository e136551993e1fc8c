/**
 * What an event map may be: an interface of event name → payload. Written as a mapped type, not
 * `Record<string, unknown>`, because a map that extends Record gains an index signature and then
 * any string passes as an event name: `on('mesage:recieved')` would compile.
 */
export type EventMap<T> = { [K in keyof T]: unknown }

/** A tiny typed event emitter: `on` returns its unsubscribe (ARCHITECTURE rule 5). */
export class Emitter<Events extends EventMap<Events>> {
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
