import { contactsActions } from '../state/contacts.ts'
import { uiActions } from '../state/ui.ts'
import type { GlueContext } from './context.ts'
import { showError } from './errors.ts'

export interface VerificationActions {
  /** the safety number shared with a contact; null (and the error shown) when there is none */
  safetyNumber(contactId: string): Promise<string | null>
  /** "Mark as verified" / "Mark as not verified"; true when done and remembered */
  setVerified(contactId: string, on: boolean): Promise<boolean>
}

/**
 * Safety numbers (docs/safety-numbers.md): the number a contact and we both see, and the
 * verified mark the person gives after comparing them. The mark reaches the contacts store by
 * `contact:updated` (presence.ts) and, so the dialog never shows a stale mark, from the answer.
 */
export function attachVerification(ctx: GlueContext): VerificationActions {
  const { client } = ctx
  return {
    async safetyNumber(contactId) {
      try {
        return await client.safetyNumber(contactId)
      } catch (err) {
        showError(err, 'working out the safety number')
        return null
      }
    },
    async setVerified(contactId, on) {
      try {
        const view = await client.setVerified(contactId, on)
        contactsActions.upsert(view)
        uiActions.notify(on ? `${view.name} is verified.` : `${view.name} is no longer verified.`)
        return true
      } catch (err) {
        showError(err, on ? 'marking the contact verified' : 'removing the verified mark')
        return false
      }
    },
  }
}
