import { useContacts } from '../state/contacts.ts'
import { unreadCount, useThreads } from '../state/threads.ts'
import { useUi } from '../state/ui.ts'
import { PATH_HINTS, PATH_WORDS, problemWords } from './format.ts'
import { useActions } from './useActions.ts'

/** One contact row: its accessible name starts with the name, then presence and path. */
export function ContactItem({ contactId }: { contactId: string }) {
  const { selectContact } = useActions()
  const contact = useContacts((s) => s.byId[contactId])
  const unread = useThreads(unreadCount(contactId))
  const selected = useUi((s) => s.selected === contactId)
  if (!contact) return null

  const connectedPath = contact.state === 'connected' ? contact.path : undefined
  const path = connectedPath ? PATH_WORDS[connectedPath] : null
  const problem =
    contact.state === 'offline' && contact.problem
      ? `can't connect: ${problemWords(contact.problem)}`
      : null
  const label = [
    contact.name,
    contact.state,
    path,
    contact.verified ? 'verified' : null,
    problem,
    unread ? `${unread} unread` : null,
  ]
    .filter(Boolean)
    .join(', ')

  return (
    <li>
      <button
        type="button"
        className={`contact ${contact.state}`}
        aria-label={label}
        aria-current={selected ? 'true' : undefined}
        onClick={() => selectContact(contactId)}
      >
        <span className="dot" aria-hidden="true" />
        {/* The spaces between the parts are text: the visible words then read as the
            accessible name does (axe label-content-name-mismatch joins text nodes as they are). */}
        <span className="name">{contact.name}</span>{' '}
        <span className="state">
          {contact.state}
          {connectedPath && (
            <>
              {' · '}
              <span className="path" title={PATH_HINTS[connectedPath]}>
                {path}
              </span>
            </>
          )}
          {contact.verified && (
            <>
              {' · '}
              <span className="verified">verified</span>
            </>
          )}
          {problem && (
            <>
              {' '}
              <span className="problem">{problem}</span>
            </>
          )}
        </span>
        {unread > 0 && (
          <>
            {' '}
            <span className="badge">
              {unread}
              <span className="visually-hidden"> unread</span>
            </span>
          </>
        )}
      </button>
    </li>
  )
}
