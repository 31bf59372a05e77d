/**
 * Runs benchmark functions inside headless Chromium: a Vite dev server serves
 * `bench/browser/index.html`, whose module exposes the functions of
 * `bench/browser/entries.ts` as `window.__bench[name]`.
 */
import { launchChromium } from '../test/helpers/browser.ts'
import { startPageServer } from '../test/helpers/vite-server.ts'

/** Calls one exported function of `bench/browser/entries.ts` in the page; `reload` reloads the page. */
export type BrowserCall = (name: string, arg?: unknown) => Promise<unknown>

/** Starts the server and the browser, hands `fn` a way to call page functions, then stops both. */
export async function withBrowser<T>(fn: (call: BrowserCall) => Promise<T>): Promise<T> {
  const server = await startPageServer()
  // --enable-precise-memory-info makes performance.memory exact instead of bucketed
  const browser = await launchChromium({ args: ['--enable-precise-memory-info', '--js-flags=--expose-gc'] })
  try {
    const page = await browser.newPage()
    page.setDefaultTimeout(600_000)
    await page.goto(server.url('bench/browser/index.html'))
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
