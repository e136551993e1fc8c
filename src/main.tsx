import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { App } from './App.tsx'
import type { ClientView } from './client.ts'
import { registerServiceWorker } from './pwa/register.ts'
import { prefsActions } from './state/prefs.ts'
import { uiActions } from './state/ui.ts'
import { loadPrefs } from './storage/prefs.ts'
import { OtherTab } from './ui/OtherTab.tsx'
import { ActionsContext } from './ui/useActions.ts'
import './styles.css'

const element = document.getElementById('root')
if (!element) throw new Error('index.html has no #root')
const root = createRoot(element)
const render = ({ tab, actions, useHere }: ClientView): void => {
  root.render(
    <StrictMode>
      {tab === 'elsewhere' ? (
        <OtherTab onUseHere={useHere} />
      ) : (
        <ActionsContext value={tab === 'owner' ? actions : null}>
          <App />
        </ActionsContext>
      )}
    </StrictMode>,
  )
}

registerServiceWorker()
// The stored Theme before the first render (localStorage is synchronous): the shell keeps what
// index.html's inline script put on <html>, instead of the store's default until the client
// arrives (glue/theme.ts loads it again, the same value).
prefsActions.setTheme(loadPrefs().theme)
// The loading screen shows while the client's code arrives and the databases open (a private
// mode may take seconds to refuse).
render({ tab: 'waiting', actions: null, useHere: () => undefined })

// The client (the library, zod, simple-peer, the storage) is its own chunk, fetched while React
// paints the shell: the first screen does not wait for it (bench:first-paint). A failed fetch
// (offline on a stale deploy, a dropped connection) is an alert, not a blank page.
import('./client.ts').then(
  ({ startClient }) => startClient(render),
  (err: unknown) =>
    uiActions.showError({
      code: 'ERR_APP_LOAD',
      during: 'loading the app',
      detail: err instanceof Error ? err.message : String(err),
    }),
)
