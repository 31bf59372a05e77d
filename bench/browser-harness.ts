/**
 * Runs benchmark functions inside headless Chromium: a Vite dev server serves
 * `bench/browser/index.html`, whose module exposes the functions of
 * `bench/browser/entries.ts` as `window.__bench[name]`.
 */
import { createServer } from 'vite'
import { fileURLToPath } from 'node:url'
import { launchChromium } from '../test/helpers/browser.ts'

const root = fileURLToPath(new URL('..', import.meta.url))

/** Calls one exported function of `bench/browser/entries.ts` in the page; `reload` reloads the page. */
export type BrowserCall = (name: string, arg?: unknown) => Promise<unknown>

/** Starts the server and the browser, hands `fn` a way to call page functions, then stops both. */
export async function withBrowser<T>(fn: (call: BrowserCall) => Promise<T>): Promise<T> {
  const server = await createServer({
    root,
    configFile: false,
    logLevel: 'error',
    server: { host: '127.0.0.1', port: 0, strictPort: false },
    build: { target: 'es2022' }
  })
  await server.listen()
  const address = server.httpServer?.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  // --enable-precise-memory-info makes performance.memory exact instead of bucketed
  const browser = await launchChromium({ args: ['--enable-precise-memory-info', '--js-flags=--expose-gc'] })
  try {
    const page = await browser.newPage()
    page.setDefaultTimeout(600_000)
    await page.goto(`http://127.0.0.1:${port}/bench/browser/index.html`)
    await page.waitForFunction(() => (window as unknown as { __bench?: unknown }).__bench !== undefined, undefined, { timeout: 120_000 })
    const ready = (): Promise<unknown> => page.waitForFunction(() => (window as unknown as { __bench?: unknown }).__bench !== undefined, undefined, { timeout: 120_000 })
    return await fn(async (name, arg) => {
      // a fresh page (same origin, same IndexedDB) for figures that must not see earlier garbage
      if (name === 'reload') {
        await page.reload()
        await ready()
        return undefined
      }
      return page.evaluate(
        async ([n, a]) => {
          const benches = (window as unknown as { __bench: Record<string, (x: unknown) => Promise<unknown>> }).__bench
          const f = benches[n]
          if (f === undefined) throw new Error(`no browser bench ${String(n)}`)
          return f(a)
        },
        [name, arg] as const
      )
    })
  } finally {
    await browser.close()
    await server.close()
  }
}
