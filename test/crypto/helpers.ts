/** Assertion helpers for tests (not a test file itself). */
import { expect } from 'vitest'

export { seq, peerIdOf, patient, doctor, authority } from './fixtures.ts'

/** Runs `fn` and returns the error it threw (fails the test if it did not throw). */
export function thrown(fn: () => unknown): Error {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(Error)
    return err as Error
  }
  throw new Error('expected a throw, but the call returned')
}

/** Async version of `thrown`. */
export async function rejected(fn: () => Promise<unknown>): Promise<Error> {
  try {
    await fn()
  } catch (err) {
    expect(err).toBeInstanceOf(Error)
    return err as Error
  }
  throw new Error('expected a rejection, but the promise resolved')
}
