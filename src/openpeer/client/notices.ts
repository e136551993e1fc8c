import { asOpenPeerError } from '../errors.ts'
import type { VerifiedPeerFile } from '../identity/peer-file.ts'
import type { ContactStates } from './contact-states.ts'
import { displayNameOf, type Contacts } from './contacts.ts'
import type { ClientEvents, ContactView } from './types.ts'

/** What telling the app of a changed contact or a failure needs from the client. */
export interface NoticeDeps {
  contacts: Contacts
  states: ContactStates
  emit<K extends 'contact:added' | 'contact:updated' | 'client:error' | 'security:alert'>(
    event: K,
    payload: ClientEvents[K],
  ): void
}

/** Adds or updates a verified contact; the app hears `contact:added` or `contact:updated`. */
export async function upsertContact(
  deps: NoticeDeps,
  peer: VerifiedPeerFile,
  extra: { findSecret?: string; introducedBy?: string } = {},
): Promise<void> {
  const { record, added, changed } = await deps.contacts.upsert(peer, extra)
  if (added) deps.emit('contact:added', deps.states.view(record))
  else if (changed) deps.emit('contact:updated', deps.states.view(record))
  if (changed) deps.states.changed(record.contactId)
}

/** A failure as the app hears it: `client:error`, or a `security:alert` naming the contact. */
export function reportError(
  deps: NoticeDeps,
  error: unknown,
  during: string,
  contactId?: string,
): void {
  const e = asOpenPeerError(error, String(error))
  if (!e.security) return void deps.emit('client:error', { error: e, during })
  // The person must be told who: "a check failed" alone names no one to distrust.
  const record = contactId ? deps.contacts.get(contactId) : undefined
  const contact = contactId
    ? { contactId, ...(record ? { name: displayNameOf(record) } : {}) }
    : undefined
  deps.emit('security:alert', { error: e, during, contact })
}

/** Marks a contact verified or not; the app hears `contact:updated` when that changed it. */
export async function setVerified(
  deps: NoticeDeps,
  contactId: string,
  on: boolean,
  now: number,
): Promise<ContactView> {
  const before = deps.contacts.get(contactId)
  const record = await deps.contacts.setVerified(contactId, on, now)
  const view = deps.states.view(record)
  if (record !== before) {
    deps.emit('contact:updated', view)
    deps.states.changed(contactId)
  }
  return view
}
