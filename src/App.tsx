import { useIdentity } from './state/identity.ts'
import { Header } from './ui/Header.tsx'
import { Home } from './ui/Home.tsx'
import { Loading } from './ui/Loading.tsx'
import { Toasts } from './ui/Toasts.tsx'
import { useTheme } from './ui/useTheme.ts'
import { Welcome } from './ui/Welcome.tsx'

/** The three screens: loading the profile, choosing a name, and the app itself. */
export function App() {
  const status = useIdentity((s) => s.status)
  useTheme()
  return (
    <div className="app">
      {status === 'ready' && <Header />}
      <Toasts />
      {status === 'loading' ? <Loading /> : status === 'ready' ? <Home /> : <Welcome />}
    </div>
  )
}
