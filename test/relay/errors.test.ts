import { describe, it, expect } from 'vitest'
import { describeStartError, portInUse } from '../../src/relay/index.ts'

describe('start errors', () => {
  const inUse = Object.assign(new Error('listen EADDRINUSE: address already in use 127.0.0.1:9090'), { code: 'EADDRINUSE' })

  it('finds EADDRINUSE anywhere in the cause chain', () => {
    expect(portInUse(inUse)).toBe(true)
    expect(portInUse(new Error('could not listen', { cause: new Error('wrapped', { cause: inUse }) }))).toBe(true)
    expect(portInUse(new AggregateError([new Error('x'), inUse]))).toBe(true)
    expect(portInUse(new Error('permission denied'))).toBe(false)
  })

  it('says what to do in one line', () => {
    const line = describeStartError('The relay', 9090, 'RELAY_PORT', inUse)
    expect(line).toBe('The relay could not start: port 9090 is already in use. Stop the other program or set RELAY_PORT to a free port.')
    expect(describeStartError('The app server', 80, 'PORT', new Error('listen EACCES\n  at x'))).toBe('The app server could not start on port 80: listen EACCES')
  })
})
