// The heading is not tied to the section: the list alone carries the name "Contacts".
import { useContacts } from '../state/contacts.ts'
import { ContactItem } from './ContactItem.tsx'

export function ContactList() {
  const order = useContacts((s) => s.order)
  return (
    <section className="card contacts">
      <h2>Contacts</h2>
      {order.length === 0 && (
        <p className="muted">No contacts yet. Send someone an invite link, or open theirs.</p>
      )}
      <ul aria-label="Contacts" className="contact-list">
        {order.map((id) => (
          <ContactItem key={id} contactId={id} />
        ))}
      </ul>
    </section>
  )
}
