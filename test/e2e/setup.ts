import type { TestProject } from 'vitest/node'
import { startServer } from '../helpers/server.ts'

declare module 'vitest' {
  interface ProvidedContext {
    /** The app server of the running `npm start`, e.g. `http://127.0.0.1:41234`. */
    baseUrl: string
    /** The embedded relay's WebSockets multiaddr. */
    relayAddr: string
  }
}

/** Starts the real `npm start` once for all browser tests and stops it (Ctrl-C) after. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startServer()
  project.provide('baseUrl', server.baseUrl)
  project.provide('relayAddr', server.relayAddr)
  return async () => {
    await server.stop('SIGINT')
  }
}
