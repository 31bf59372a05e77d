import { describe, expect, it } from 'vitest'
import * as lib from '../../src/lib/index.ts'

type ErrorClass = new (message: string, options?: ErrorOptions) => Error

const errorClasses: Array<[string, ErrorClass]> = Object.entries(lib as Record<string, unknown>)
  .filter(([, value]) => typeof value === 'function' && (value as { prototype?: unknown }).prototype instanceof Error)
  .map(([name, value]) => [name, value as ErrorClass])

describe('named errors', () => {
  it('exports the error classes the pipeline names', () => {
    const names = errorClasses.map(([name]) => name)
    for (const required of [
      'PhrError',
      'EnvelopeFormatError',
      'EnvelopeTooLargeError',
      'AuthorNotAllowedError',
      'SignatureInvalidError',
      'KeyUnavailableError',
      'DecryptError',
      'WrongPassphraseError',
      'KeystoreFormatError',
      'SequenceBufferFullError'
    ]) {
      expect(names).toContain(required)
    }
  })

  it.each(errorClasses)('%s has a stable name equal to its class name, also in the stack', (exportName, ErrorClass) => {
    const err = new ErrorClass('boom')
    expect(err.name).toBe(exportName)
    expect(String(err)).toBe(`${exportName}: boom`)
    expect(err.stack?.split('\n')[0]).toBe(`${exportName}: boom`)
    expect(err).toBeInstanceOf(lib.PhrError)
    expect(err).toBeInstanceOf(Error)
  })

  it('groups format and size errors under common bases', () => {
    expect(new lib.EnvelopeFormatError('x')).toBeInstanceOf(lib.FormatError)
    expect(new lib.WrapFormatError('x')).toBeInstanceOf(lib.FormatError)
    expect(new lib.DidKeyError('x')).toBeInstanceOf(lib.FormatError)
    expect(new lib.EnvelopeTooLargeError('x')).toBeInstanceOf(lib.InputTooLargeError)
    expect(new lib.DecryptError('x')).not.toBeInstanceOf(lib.FormatError)
  })

  it('keeps the cause', () => {
    const cause = new Error('inner')
    expect(new lib.DecryptError('outer', { cause }).cause).toBe(cause)
  })
})
