/**
 * Starts the real `npm start` (build if stale, app server, embedded relay) on free ports
 * and reads the addresses it prints. Used by the end-to-end setup and the start tests.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))

/** A running `npm start`. */
export interface StartedServer {
  /** e.g. `http://127.0.0.1:41234` */
  baseUrl: string
  /** The relay's WebSockets multiaddr as printed. */
  relayAddr: string
  /** Everything it printed so far. */
  output(): string
  /**
   * Sends `signal` (default SIGINT, as Ctrl-C does) to the whole process group; resolves
   * when every process of it has closed its output, with npm's exit code and signal.
   */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  child: ChildProcess
}

/** What `npm start` printed and how it ended, when it was expected to fail. */
export interface FailedStart {
  code: number | null
  stdout: string
  stderr: string
}

function spawnStart(env: Record<string, string>): ChildProcess {
  return spawn('npm', ['start'], {
    cwd: ROOT,
    env: { ...process.env, RELAY_DATA_DIR: mkdtempSync(join(tmpdir(), 'phr-relay-')), ...env },
    // its own process group, so that a signal reaches npm, the shell and node alike
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe']
  })
}

/** Starts `npm start` with PORT=0 and RELAY_PORT=0 (free ports) unless `env` says otherwise. */
export async function startServer(env: Record<string, string> = {}, timeoutMs = 120_000): Promise<StartedServer> {
  const child = spawnStart({ PORT: '0', RELAY_PORT: '0', ...env })
  let out = ''
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  // 'close' waits for every process that holds the pipes (npm, sh and node) to end
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal }))
  )

  const ready = await new Promise<{ baseUrl: string; relayAddr: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start did not print its addresses in ${timeoutMs} ms:\n${out}`)), timeoutMs)
    const check = (): void => {
      const app = /patient app: (http:\/\/[^\s]+)\/patient/.exec(out)
      const relay = /relay: +(\/ip4\/[^\s]+)/.exec(out)
      if (app?.[1] !== undefined && relay?.[1] !== undefined && out.includes('Press Ctrl-C')) {
        clearTimeout(timer)
        resolve({ baseUrl: app[1], relayAddr: relay[1] })
      }
    }
    child.stdout?.on('data', check)
    void exited.then((code) => {
      clearTimeout(timer)
      reject(new Error(`npm start exited (${code}) before it was ready:\n${out}`))
    })
  })

  return {
    ...ready,
    child,
    output: () => out,
    async stop(signal: NodeJS.Signals = 'SIGINT') {
      if (child.exitCode === null && child.pid !== undefined) process.kill(-child.pid, signal)
      return closed
    }
  }
}

/** Runs `npm start` expecting it to fail; resolves with its exit code and output. */
export async function startExpectingFailure(env: Record<string, string>, timeoutMs = 120_000): Promise<FailedStart> {
  const child = spawnStart(env)
  let stdout = ''
  let stderr = ''
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()))
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL')
      reject(new Error(`npm start kept running although it should have failed:\n${stdout}${stderr}`))
    }, timeoutMs)
    child.once('exit', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}
