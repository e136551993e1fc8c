import { useState, type DragEvent } from 'react'
import { contactById, useContacts } from '../state/contacts.ts'
import { useUi } from '../state/ui.ts'
import { CallButtons } from './CallButtons.tsx'
import { Composer } from './Composer.tsx'
import { IntroduceDialog } from './IntroduceDialog.tsx'
import { PATH_HINTS, PATH_WORDS } from './format.ts'
import { MessageLog } from './MessageLog.tsx'
import { ShareFileInput } from './ShareFileInput.tsx'
import { useActions } from './useActions.ts'
import { VerifyDialog } from './VerifyDialog.tsx'

/** The open conversation; with no contact selected, a hint in its place. */
export function Conversation() {
  const { selectContact, shareFiles } = useActions()
  const selected = useUi((s) => s.selected)
  const contact = useContacts(contactById(selected))
  const [introducing, setIntroducing] = useState(false)
  const [verifying, setVerifying] = useState(false)
  const hasContacts = useContacts((s) => s.order.length > 0)

  if (!selected || !contact) {
    return (
      <div className="card conversation empty">
        {hasContacts ? (
          <p className="muted">Choose a contact to start chatting.</p>
        ) : (
          <div className="get-started">
            <h2>Start by inviting someone</h2>
            <p>
              Press <strong>Invite</strong> under “Invite someone”, then send the link, or let them
              scan the QR code. When they open it, you are connected.
            </p>
            <p>
              Did someone send you a link? Paste it under <strong>Paste invite link</strong>, or
              just open it in this browser.
            </p>
          </div>
        )}
      </div>
    )
  }

  // Files dropped anywhere on the conversation are shared like picked ones.
  const onDrop = (e: DragEvent): void => {
    const files = [...e.dataTransfer.files]
    if (!files.length) return
    e.preventDefault()
    void shareFiles(contact.contactId, files)
  }
  const onDragOver = (e: DragEvent): void => {
    if (e.dataTransfer.types.includes('Files')) e.preventDefault()
  }

  const path = contact.state === 'connected' && contact.path ? PATH_WORDS[contact.path] : null
  return (
    <section
      aria-label="Conversation"
      className="card conversation"
      onDrop={onDrop}
      onDragOver={onDragOver}
    >
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
          {path && contact.path && (
            <>
              {' · '}
              <span className="path" title={PATH_HINTS[contact.path]}>
                {path}
              </span>
            </>
          )}
        </span>
        <CallButtons contactId={contact.contactId} connected={contact.state === 'connected'} />
        <button type="button" className="head-action" onClick={() => setVerifying(true)}>
          Verify
        </button>
        <button type="button" className="head-action" onClick={() => setIntroducing(true)}>
          Introduce
        </button>
      </header>
      {introducing && (
        <IntroduceDialog contactId={contact.contactId} onClose={() => setIntroducing(false)} />
      )}
      {verifying && (
        <VerifyDialog contactId={contact.contactId} onClose={() => setVerifying(false)} />
      )}
      {contact.state !== 'connected' && (
        <p className="muted small">
          Messages wait here and leave by themselves when {contact.name} is back online.
        </p>
      )}
      <MessageLog contactId={contact.contactId} />
      <Composer key={contact.contactId} />
      <ShareFileInput contactId={contact.contactId} />
    </section>
  )
}
