/// <reference types="vite-plugin-pwa/client" />
import { registerSW } from 'virtual:pwa-register'

/**
 * Installs the service worker so the app opens offline and updates itself (registerType
 * autoUpdate). Not in dev: a worker caching dev-server modules makes stale pages.
 */
export function registerServiceWorker(): void {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return
  registerSW({ immediate: true })
}
