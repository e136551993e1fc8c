import { useState, type FormEvent } from 'react'
import { useUi } from '../state/ui.ts'
import { useActions } from './useActions.ts'

/** For a link that arrived somewhere other than this browser's address bar. */
export function OpenInviteForm() {
  const { openInvite, prefetchInvite } = useActions()
  const [text, setText] = useState('')
  const opening = useUi((s) => s.openingInvite)

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault()
    if (!text.trim()) return
    await openInvite(text)
    setText('')
  }

  return (
    <form className="card paste" onSubmit={(e) => void submit(e)}>
      <label htmlFor="paste-invite">Paste invite link</label>
      <div className="row">
        <input
          id="paste-invite"
          className="mono grow"
          value={text}
          onChange={(e) => {
            setText(e.target.value)
            // The card is fetched while the person reaches for "Open invite".
            prefetchInvite(e.target.value)
          }}
          placeholder="https://…/#/i/…"
          autoComplete="off"
        />
        <button type="submit" disabled={opening}>
          Open invite
        </button>
      </div>
      {opening && <p className="muted">Connecting… (up to 20 seconds)</p>}
    </form>
  )
}
