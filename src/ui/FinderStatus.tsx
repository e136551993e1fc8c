import { useFinder } from '../state/finder.ts'

/**
 * "Server: online": the finder, in plain words (its name in the tooltip). Chats keep working
 * without it; only new connections need it. The status keeps the name "Finder status".
 */
export function FinderStatus() {
  const state = useFinder((s) => s.state)
  return (
    <p
      role="status"
      aria-label="Finder status"
      className={`finder-status ${state}`}
      title="The finder: the server that helps your contacts find you. Open chats keep working without it."
    >
      <span className="dot" aria-hidden="true" />
      Server: {state}
    </p>
  )
}
