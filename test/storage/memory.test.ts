import { createMemoryStore } from '../../src/storage/index.ts'
import { envelopeStoreSuite } from './acceptance.ts'

envelopeStoreSuite('memory', { open: async () => createMemoryStore() })
