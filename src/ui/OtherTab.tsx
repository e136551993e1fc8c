/**
 * Another tab of this profile runs the client (src/glue/tabs.ts): say so, and offer to move it
 * here. Given its action by main.tsx: this tab has no app until it takes over, by "Use here" or
 * by itself once the other tab closes.
 */
export function OtherTab({ onUseHere }: { onUseHere: () => void }) {
  return (
    <div className="app">
      <main className="card other-tab" aria-labelledby="other-tab-title">
        <h1 id="other-tab-title">Open Peer Web is open in another tab</h1>
        <p className="muted">
          One tab at a time keeps your chats and files. When the other tab closes, this one takes
          over by itself; or use it here now and the other tab lets go. Nothing sent to you is lost,
          and transfers go on from where they were.
        </p>
        <button type="button" className="primary" onClick={onUseHere}>
          Use here
        </button>
      </main>
    </div>
  )
}
