import type { ChatMessage } from '../model/chat.ts'
import { FileCard } from './FileCard.tsx'
import { messageTime } from './format.ts'

/**
 * One message; my own show how far they got as a word: waiting (not delivered, and the contact
 * is away: it leaves when they are back), sent, delivered, read.
 */
export function MessageItem({ message, away }: { message: ChatMessage; away: boolean }) {
  const own = message.direction === 'out'
  const mark = message.state === 'sent' && away ? 'waiting' : message.state
  return (
    <li className={own ? 'message out' : 'message in'}>
      {message.file ? (
        <FileCard file={message.file} own={own} />
      ) : (
        <p className="body">{message.body}</p>
      )}
      <p className="meta">
        <time dateTime={new Date(message.sent).toISOString()}>{messageTime(message.sent)}</time>
        {own && !message.file && (
          <span
            className={`mark ${mark}`}
            title={mark === 'waiting' ? 'Leaves by itself when they are online' : undefined}
          >
            {mark}
          </span>
        )}
      </p>
    </li>
  )
}
