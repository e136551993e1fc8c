import { useIdentity } from './state/identity.ts'
import { ErrorAlert } from './ui/ErrorAlert.tsx'
import { Header } from './ui/Header.tsx'
import { Home } from './ui/Home.tsx'
import { Loading } from './ui/Loading.tsx'
import { Notice } from './ui/Notice.tsx'
import { Welcome } from './ui/Welcome.tsx'

/** The three screens: loading the profile, choosing a name, and the app itself. */
export function App() {
  const status = useIdentity((s) => s.status)
  return (
    <div className="app">
      {status === 'ready' && <Header />}
      {/* In the flow, not floating: a message must never cover a control. */}
      <div className="toasts">
        <ErrorAlert />
        <Notice />
      </div>
      {status === 'loading' ? <Loading /> : status === 'ready' ? <Home /> : <Welcome />}
    </div>
  )
}
