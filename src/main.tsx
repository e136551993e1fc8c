import Peer from '@thaunknown/simple-peer/lite.js'
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { App } from './App.tsx'
import { createApp, type AppActions } from './glue/app.ts'
import { showError } from './glue/errors.ts'
import type { SystemNotifications } from './glue/ports.ts'
import { setTracing, simplePeerFactory, type SocketLike } from './openpeer/index.ts'
import { registerServiceWorker } from './pwa/register.ts'
import { openAppStores } from './storage/index.ts'
import { ActionsContext } from './ui/useActions.ts'
import './styles.css'

const element = document.getElementById('root')
if (!element) throw new Error('index.html has no #root')
const root = createRoot(element)
const render = (actions: AppActions | null): void =>
  root.render(
    <StrictMode>
      <ActionsContext value={actions}>
        <App />
      </ActionsContext>
    </StrictMode>,
  )

/** The Notification API where the browser has one (iOS Safari outside a home-screen app has not). */
function systemNotifications(): SystemNotifications | undefined {
  if (typeof Notification === 'undefined') return undefined
  return {
    get permission() {
      return Notification.permission
    },
    requestPermission: () => Notification.requestPermission(),
    show(title, opts) {
      const shown = new Notification(title, opts)
      // A click brings the ringing tab forward, where Accept and Decline are.
      shown.onclick = () => window.focus()
      return shown
    },
  }
}

// The connect path's debug marks (bench:connect turns them on; docs/performance.md).
try {
  setTracing(localStorage.getItem('opw:trace') === '1')
} catch {
  // storage refused (a private mode): no trace
}
registerServiceWorker()
// The loading screen shows while the databases open (a private mode may take seconds to refuse).
render(null)
// Created outside React: StrictMode runs effects twice, and there must be one client.
openAppStores().then(
  (stores) => {
    const app = createApp({
      stores,
      // Browser WebSocket/RTCPeerConnection event types are richer than the ports' minimal ones.
      createSocket: (url) => new WebSocket(url) as unknown as SocketLike,
      createPeer: simplePeerFactory(Peer),
      fetch: (url, init) => fetch(url, init),
      media: {
        // The library's MediaStreamLike is the part of MediaStream it touches.
        getUserMedia: (constraints) => navigator.mediaDevices.getUserMedia(constraints),
      },
      page: {
        window,
        document,
        location,
        history,
        navigator,
        notifications: systemNotifications(),
      },
    })
    render(app.actions)
  },
  (err: unknown) => showError(err, 'loading'),
)
