import { isOpenPeerError } from '../openpeer/index.ts'
import { uiActions, useUi, type AppError } from '../state/ui.ts'
import { onClient, type GlueContext } from './context.ts'

/** A failure of what the person asked for, as the alert shows it (words come from its code). */
export function appError(err: unknown, during: string): AppError {
  if (isOpenPeerError(err)) return { code: err.code, during, detail: err.message }
  return { code: 'ERR_INTERNAL', during, detail: err instanceof Error ? err.message : String(err) }
}

/** Puts a failure in the one alert region. */
export function showError(err: unknown, during: string): void {
  uiActions.showError(appError(err, during))
}

/** Problems nobody awaited: to the console, and security alerts to a notice as well. */
export function attachErrors(ctx: GlueContext): void {
  onClient(ctx, 'client:error', ({ error, during }) => console.warn(`[openpeer] ${during}:`, error))
  onClient(ctx, 'security:alert', ({ error, during, contact }) => {
    console.warn(`[openpeer] security check failed while ${during}:`, error, contact)
    // During an invite the invite's own failure says it better; a stale find secret when ringing
    // only means that contact reset their links and must ring us.
    if (useUi.getState().openingInvite || error.code === 'ERR_FIND_DENIED') return
    // Name who it is about, so the person knows whom (or which finder) to distrust.
    const about = contact
      ? ` (from ${contact.name ?? `contact ${contact.contactId.slice(0, 8)}`})`
      : ''
    // Words for people: what happened and that nothing was accepted. The library's sentence and
    // the step it failed in are for developers, in the console above.
    uiActions.notify(
      `A security check failed${about}: data that could not be verified was refused.`,
      12_000,
    )
  })
}
