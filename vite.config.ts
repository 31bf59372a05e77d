import { defineConfig } from 'vite'
import { VitePWA } from 'vite-plugin-pwa'

/**
 * Builds the PWA into dist/. The service worker (workers/sw.ts) is built by
 * vite-plugin-pwa's injectManifest, which writes the list of hashed shell files into it
 * so that the app opens with no network.
 */
export default defineConfig({
  build: {
    target: 'es2022',
    sourcemap: true,
    chunkSizeWarningLimit: 2048
  },
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
  plugins: [
    VitePWA({
      strategies: 'injectManifest',
      srcDir: 'workers',
      filename: 'sw.ts',
      // the app registers the worker itself (src/ui/main.ts) and reports failures
      injectRegister: false,
      // the manifest is a static file in public/
      manifest: false,
      injectManifest: {
        globPatterns: ['**/*.{js,css,html,svg,png,webmanifest}'],
        maximumFileSizeToCacheInBytes: 8 * 1024 * 1024
      },
      devOptions: { enabled: false }
    })
  ]
})
