/**
 * The service worker: precaches the app shell (the list is written in at build time by
 * vite-plugin-pwa) so the app opens with no network, answers app routes with the cached
 * shell, and keeps the last `/config.json` for offline starts.
 */
import { precacheAndRoute, cleanupOutdatedCaches, createHandlerBoundToURL } from 'workbox-precaching'
import { NavigationRoute, registerRoute } from 'workbox-routing'
import { NetworkFirst } from 'workbox-strategies'

declare const self: ServiceWorkerGlobalScope & { __WB_MANIFEST: Array<{ url: string; revision: string | null }> }

cleanupOutdatedCaches()
precacheAndRoute(self.__WB_MANIFEST)

// every app route (/patient, /doctor, /emergency, /verify …) is the same single-page shell
registerRoute(new NavigationRoute(createHandlerBoundToURL('index.html')))

// relay addresses: fresh when online, the last known ones when offline
registerRoute(({ url }) => url.origin === self.location.origin && url.pathname === '/config.json',
  new NetworkFirst({ cacheName: 'phr-config', networkTimeoutSeconds: 3 }))

self.addEventListener('install', () => {
  void self.skipWaiting()
})
self.addEventListener('activate', (event) => {
  event.waitUntil(self.clients.claim())
})
