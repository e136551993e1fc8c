import { useEffect, useRef } from 'react'
import { useContacts } from '../state/contacts.ts'
import { threadOf, useThreads } from '../state/threads.ts'
import { MessageItem } from './MessageItem.tsx'

/** The conversation's messages, newest at the bottom, kept scrolled to the end as they arrive. */
export function MessageLog({ contactId }: { contactId: string }) {
  const messages = useThreads(threadOf(contactId))
  // Not delivered while they are away: the message waits here (in the outbox) for them.
  const away = useContacts((s) => s.byId[contactId]?.state !== 'connected')
  const end = useRef<HTMLDivElement>(null)

  useEffect(() => {
    end.current?.scrollIntoView({ block: 'end' })
  }, [messages.length, contactId])

  return (
    <div role="log" aria-label="Messages" className="log" tabIndex={0}>
      {messages.length === 0 ? (
        <p className="muted">No messages yet. Say hello.</p>
      ) : (
        <ol className="messages">
          {messages.map((m) => (
            <MessageItem key={m.msgId} message={m} away={away} />
          ))}
        </ol>
      )}
      <div ref={end} />
    </div>
  )
}
