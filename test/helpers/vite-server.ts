import { createServer } from 'vite'
import { ROOT } from './server.ts'

/** A Vite dev server over the repository, for test and bench pages that import `src/` directly. */
export interface PageServer {
  /** The address of a file of the repository, e.g. `url('test/sync/browser/index.html')`. */
  url(path: string): string
  close(): Promise<void>
}

/** Starts a Vite dev server on 127.0.0.1 and a free port (no app config, no service worker). */
export async function startPageServer(): Promise<PageServer> {
  const server = await createServer({
    root: ROOT,
    configFile: false,
    logLevel: 'error',
    server: { host: '127.0.0.1', port: 0, strictPort: false },
    build: { target: 'es2022' }
  })
  await server.listen()
  const address = server.httpServer?.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  return { url: (path) => `http://127.0.0.1:${port}/${path}`, close: () => server.close() }
}
