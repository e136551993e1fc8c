import type { ChangeEvent } from 'react'
import { useActions } from './useActions.ts'

/** "Share file": pick one or more files to seed and offer to this contact. */
export function ShareFileInput({ contactId }: { contactId: string }) {
  const { shareFiles } = useActions()
  const onChange = (e: ChangeEvent<HTMLInputElement>): void => {
    const files = [...(e.target.files ?? [])]
    // Cleared at once, so picking the same file again fires change again.
    e.target.value = ''
    if (files.length) void shareFiles(contactId, files)
  }
  return (
    <label className="button share-file">
      Share file
      <input
        type="file"
        multiple
        className="visually-hidden"
        onChange={onChange}
        aria-label="Share file"
      />
    </label>
  )
}
