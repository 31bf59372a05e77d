/** True when `err`, or any error in its `cause` chain, says an address is already in use. */
export function portInUse(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE' || /EADDRINUSE|address already in use/i.test(e.message)) return true
    if (e instanceof AggregateError && e.errors.some(portInUse)) return true
  }
  return false
}

/** One line for the terminal saying why a listener could not start and what to do. */
export function describeStartError(what: string, port: number, envVar: string, err: unknown): string {
  if (portInUse(err)) return `${what} could not start: port ${port} is already in use. Stop the other program or set ${envVar} to a free port.`
  const msg = err instanceof Error ? err.message : String(err)
  return `${what} could not start on port ${port}: ${msg.split('\n')[0]}`
}
