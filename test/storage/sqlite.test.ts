import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll } from 'vitest'
import { createSqliteStore } from '../../src/storage/sqlite.ts'
import { envelopeStoreSuite } from './acceptance.ts'

const dir = mkdtempSync(join(tmpdir(), 'phr-sqlite-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let n = 0
let path = ''

envelopeStoreSuite('SQLite (node:sqlite)', {
  open: async () => createSqliteStore({ path: (path = join(dir, `store-${n++}.db`)) }),
  reopen: async () => createSqliteStore({ path })
})
