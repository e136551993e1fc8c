import { useState, type FormEvent, type KeyboardEvent } from 'react'
import { useMobile } from '../state/mobile.ts'
import { useUi } from '../state/ui.ts'
import { useActions } from './useActions.ts'

/** Enter sends, Shift+Enter starts a new line. Offline contacts get it when they are back. */
export function Composer() {
  const { sendMessage } = useActions()
  const [text, setText] = useState('')
  // Words shared into the app (share-target.ts) land here once, for the conversation they chose.
  const draft = useMobile((s) => s.draft)
  const selected = useUi((s) => s.selected)
  const [drafted, setDrafted] = useState<string | null>(null)
  if (draft && draft.contactId === selected && draft.id !== drafted) {
    setDrafted(draft.id)
    setText((t) => (t ? `${t}\n${draft.text}` : draft.text))
  }

  const send = async (): Promise<void> => {
    if (!text.trim()) return
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
      />
      <button type="submit" className="primary">
        Send
      </button>
    </form>
  )
}
