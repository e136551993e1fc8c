import { useFinder } from '../state/finder.ts'

/** "Finder: online" — chats keep working without it; only new connections need it. */
export function FinderStatus() {
  const state = useFinder((s) => s.state)
  return (
    <p role="status" aria-label="Finder status" className={`finder-status ${state}`}>
      <span className="dot" aria-hidden="true" />
      Finder: {state}
    </p>
  )
}
