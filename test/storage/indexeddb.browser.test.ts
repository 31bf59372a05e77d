import { createIndexedDbStore } from '../../src/storage/index.ts'
import { envelopeStoreSuite } from './acceptance.ts'

let n = 0
let name = ''

envelopeStoreSuite('IndexedDB (Chromium)', {
  open: () => createIndexedDbStore({ name: (name = `phr-test-${Date.now()}-${n++}`) }),
  reopen: () => createIndexedDbStore({ name })
})
