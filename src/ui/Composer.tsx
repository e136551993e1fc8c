import { useState, type FormEvent, type KeyboardEvent } from 'react'
import { BODY_MAX } from '../openpeer/index.ts'
import { useMobile } from '../state/mobile.ts'
import { useUi } from '../state/ui.ts'
import { useActions } from './useActions.ts'

/** The counter shows from here on: far enough ahead to plan, quiet for everyday messages. */
const COUNT_FROM = BODY_MAX - 1_000

const number = new Intl.NumberFormat('en')

/**
 * Enter sends, Shift+Enter starts a new line. Offline contacts get it when they are back. Send is
 * disabled while there is nothing to send or the message is over the library's limit.
 */
export function Composer() {
  const { sendMessage } = useActions()
  const [text, setText] = useState('')
  const length = text.length
  const over = length > BODY_MAX
  const canSend = text.trim() !== '' && !over
  // Words shared into the app (share-target.ts) land here once, for the conversation they chose.
  const draft = useMobile((s) => s.draft)
  const selected = useUi((s) => s.selected)
  const [drafted, setDrafted] = useState<string | null>(null)
  if (draft && draft.contactId === selected && draft.id !== drafted) {
    setDrafted(draft.id)
    setText((t) => (t ? `${t}\n${draft.text}` : draft.text))
  }

  const send = async (): Promise<void> => {
    if (!canSend) return
    const sent = text
    setText('')
    // Put the words back if the message was refused, rather than losing them.
    if (!(await sendMessage(sent))) setText(sent)
  }

  const onSubmit = (e: FormEvent): void => {
    e.preventDefault()
    void send()
  }

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>): void => {
    // isComposing: Enter that confirms an IME candidate must not send.
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault()
      void send()
    }
  }

  return (
    <form className="composer" onSubmit={onSubmit}>
      <div className="composer-text">
        <label htmlFor="message" className="visually-hidden">
          Message
        </label>
        <textarea
          id="message"
          rows={2}
          value={text}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={onKeyDown}
          placeholder="Write a message"
          aria-describedby="message-count"
          aria-invalid={over || undefined}
        />
        {/* Polite: read out when it appears near the limit, not on every key. */}
        <p id="message-count" aria-live="polite" className={over ? 'count over' : 'count'}>
          {over
            ? `Too long to send: ${number.format(length - BODY_MAX)} characters over the limit of ${number.format(BODY_MAX)}.`
            : length >= COUNT_FROM
              ? `${number.format(BODY_MAX - length)} characters left`
              : ''}
        </p>
      </div>
      <button type="submit" className="primary" disabled={!canSend}>
        Send
      </button>
    </form>
  )
}
