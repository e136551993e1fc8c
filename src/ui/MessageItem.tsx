import type { ChatMessage } from '../model/chat.ts'
import { FileCard } from './FileCard.tsx'
import { messageTime } from './format.ts'

/** One message; my own show how far they got as a word: sent, delivered, read. */
export function MessageItem({ message }: { message: ChatMessage }) {
  const own = message.direction === 'out'
  return (
    <li className={own ? 'message out' : 'message in'}>
      {message.file ? (
        <FileCard file={message.file} own={own} />
      ) : (
        <p className="body">{message.body}</p>
      )}
      <p className="meta">
        <time dateTime={new Date(message.sent).toISOString()}>{messageTime(message.sent)}</time>
        {own && !message.file && <span className={`mark ${message.state}`}>{message.state}</span>}
      </p>
    </li>
  )
}
