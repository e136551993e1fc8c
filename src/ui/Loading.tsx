/** Between page load and the stored profile being read (IndexedDB can take a moment). */
export function Loading() {
  return (
    <main className="centered" aria-busy="true">
      <p>Loading your profile…</p>
    </main>
  )
}
