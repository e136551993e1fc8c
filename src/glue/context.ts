import type { ChatMessage, Mark } from '../model/chat.ts'
import type { ClientEvents } from '../openpeer/index.ts'
import type { AppStores } from '../storage/index.ts'
import type { GlueClient, Listenable, PagePorts } from './ports.ts'

/** What every concern of the glue is given by createApp: one per app, nothing module-level. */
export interface GlueContext {
  readonly client: GlueClient
  readonly stores: AppStores
  readonly page: PagePorts
  /** what the app's stop() undoes */
  readonly lifetime: Lifetime
  /** the conversations (threads store and history repository together) */
  readonly log: ChatLog
}

/** The conversations (chat-log.ts): every message and mark goes to the store and the history. */
export interface ChatLog {
  /** adds a message or file card to its conversation */
  record(message: ChatMessage): void
  /** raises the marks of messages (a mark only goes up) */
  mark(contactId: string, msgIds: string[], state: Mark): void
}

/** The app's lifetime: stop() runs every cleanup the concerns handed in, newest first, once. */
export class Lifetime {
  private readonly cleanups: (() => void)[] = []
  private done = false

  get stopped(): boolean {
    return this.done
  }

  /** Runs `cleanup` at stop (at once when stopped already). */
  defer(cleanup: () => void): void {
    if (this.done) cleanup()
    else this.cleanups.push(cleanup)
  }

  stop(): void {
    if (this.done) return
    this.done = true
    for (const cleanup of this.cleanups.splice(0).reverse()) cleanup()
  }
}

/** Handles a client event for the app's lifetime. */
export function onClient<K extends keyof ClientEvents>(
  ctx: GlueContext,
  event: K,
  handler: (payload: ClientEvents[K]) => void,
): void {
  ctx.lifetime.defer(ctx.client.on(event, handler))
}

/** Handles a page event (`window`, `document`) for the app's lifetime. */
export function onPage(
  ctx: GlueContext,
  target: Listenable,
  type: string,
  handler: () => void,
): void {
  target.addEventListener(type, handler)
  ctx.lifetime.defer(() => target.removeEventListener(type, handler))
}
