import { FinderStatus } from './FinderStatus.tsx'

export function Header() {
  return (
    <header className="app-header">
      <h1>Open Peer Web</h1>
      <FinderStatus />
    </header>
  )
}
