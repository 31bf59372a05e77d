/** The repository's copies of the HL7 IPS examples are byte-identical to the shared fixtures. */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { COPIED_FIXTURES, MINIMAL, NO_INFO, SHARED_FIXTURES } from './helpers.ts'

describe('HL7 IPS example copies', () => {
  it('holds both examples', () => {
    expect(readdirSync(COPIED_FIXTURES).filter((f) => f.endsWith('.json')).sort()).toEqual([MINIMAL, NO_INFO].sort())
  })
  it.skipIf(!existsSync(SHARED_FIXTURES))('are identical to the shared fixtures', () => {
    for (const name of [MINIMAL, NO_INFO]) {
      expect(readFileSync(join(COPIED_FIXTURES, name)).equals(readFileSync(join(SHARED_FIXTURES, name)))).toBe(true)
    }
  })
})
