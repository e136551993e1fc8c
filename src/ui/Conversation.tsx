import { selectContact } from '../connect.ts'
import { contactById, useContacts } from '../state/contacts.ts'
import { useUi } from '../state/ui.ts'
import { Composer } from './Composer.tsx'
import { PATH_WORDS } from './format.ts'
import { MessageLog } from './MessageLog.tsx'

/** The open conversation; with no contact selected, a hint in its place. */
export function Conversation() {
  const selected = useUi((s) => s.selected)
  const contact = useContacts(contactById(selected))

  if (!selected || !contact) {
    return (
      <div className="card conversation empty">
        <p className="muted">Choose a contact to start chatting.</p>
      </div>
    )
  }

  const path = contact.state === 'connected' && contact.path ? PATH_WORDS[contact.path] : null
  return (
    <section aria-label="Conversation" className="card conversation">
      <header className="conversation-head">
        <button
          type="button"
          className="link back"
          aria-label="Back to contacts"
          onClick={() => selectContact(null)}
        >
          ←
        </button>
        <h2>{contact.name}</h2>
        <span className={`presence ${contact.state}`}>
          {contact.state}
          {path && ` · ${path}`}
        </span>
      </header>
      {contact.state !== 'connected' && (
        <p className="muted small">
          Messages wait here and leave by themselves when {contact.name} is back online.
        </p>
      )}
      <MessageLog contactId={contact.contactId} />
      <Composer key={contact.contactId} />
    </section>
  )
}
