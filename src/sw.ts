/// <reference lib="webworker" />
/**
 * The app's service worker (vite-plugin-pwa `injectManifest`): precaches the app shell and
 * updates itself (autoUpdate), serves audio and video while they download (WebTorrent's
 * handler, imported first so its fetch listener answers /webtorrent/ before ours), receives
 * what the phone's share sheet sends (Web Share Target) and opens the conversation a clicked
 * notification is about. Files shared in are stashed in Cache Storage; the app picks them up
 * (src/glue/share-target.ts) after asking which contact.
 */
import { clientsClaim } from 'workbox-core'
import {
  cleanupOutdatedCaches,
  createHandlerBoundToURL,
  precacheAndRoute,
} from 'workbox-precaching'
import { NavigationRoute, registerRoute } from 'workbox-routing'
import { SHARE_CACHE, SHARE_PATH, sharedFileUrl, sharedTextUrl } from './pwa/share-stash.ts'

declare const self: ServiceWorkerGlobalScope

importScripts('webtorrent-sw.js')

// autoUpdate: a new worker takes over at once, and the page reloads into the new version.
void self.skipWaiting()
clientsClaim()

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url)
  if (event.request.method !== 'POST' || url.pathname !== SHARE_PATH) return
  event.respondWith(stashShare(event.request))
})

/** Keeps what was shared in, then sends the page to the app with a marker naming the stash. */
async function stashShare(request: Request): Promise<Response> {
  const id = crypto.randomUUID()
  try {
    const form = await request.formData()
    const cache = await caches.open(SHARE_CACHE)
    const files = form.getAll('files').filter((f): f is File => f instanceof File && f.size >= 0)
    await Promise.all(
      files.map((file, i) =>
        cache.put(
          sharedFileUrl(id, i),
          new Response(file, {
            headers: {
              'content-type': file.type || 'application/octet-stream',
              'x-file-name': encodeURIComponent(file.name || `shared-${i + 1}`),
            },
          }),
        ),
      ),
    )
    const field = (name: string): string => {
      const v = form.get(name)
      return typeof v === 'string' ? v : ''
    }
    const text = {
      title: field('title'),
      text: field('text'),
      url: field('url'),
      files: files.length,
    }
    await cache.put(sharedTextUrl(id), Response.json(text))
  } catch {
    // An unreadable form: the app says nothing was received rather than the browser failing.
    return Response.redirect('/?share=failed', 303)
  }
  return Response.redirect(`/?share=${id}`, 303)
}

precacheAndRoute(self.__WB_MANIFEST)
cleanupOutdatedCaches()
registerRoute(
  new NavigationRoute(createHandlerBoundToURL('index.html'), {
    // The finder's HTTP bootstrap and websocket must always reach the network, never the shell.
    denylist: [/^\/\.well-known\//, /^\/finder/, /^\/webtorrent\//],
  }),
)

// A notification about a message or call: bring the app forward on that conversation.
self.addEventListener('notificationclick', (event) => {
  event.notification.close()
  const contactId = (event.notification.data as { contactId?: string } | null)?.contactId
  event.waitUntil(
    (async () => {
      const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true })
      const open = windows[0]
      if (open) {
        await open.focus()
        if (contactId) open.postMessage({ type: 'open-conversation', contactId })
        return
      }
      await self.clients.openWindow(contactId ? `/?open=${encodeURIComponent(contactId)}` : '/')
    })(),
  )
})
