/**
 * The browser entry: picks the language, builds the services, mounts the shell and
 * registers the service worker that lets the app open with no network.
 */
import { createAppServices, initialLocale } from '../app/index.ts'
import { setLocale } from './i18n.ts'
import type { AppShell } from './app-shell.ts'
import './app-shell.ts'

const locale = initialLocale(localStorage, navigator.languages)
document.documentElement.lang = locale
await setLocale(locale)

const services = createAppServices({ window, fetch: window.fetch.bind(window), indexedDB, userAgent: navigator.userAgent, storage: localStorage })
const shell = document.querySelector<AppShell>('phr-app')
if (shell !== null) shell.services = services
services.relay.start()

if ('serviceWorker' in navigator) {
  navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch((err: unknown) => {
    // the app still works online; only the offline start is lost
    console.warn('service worker registration failed:', err instanceof Error ? err.message : err)
  })
}
