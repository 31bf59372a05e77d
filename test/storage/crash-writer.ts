/**
 * Child process of the crash test: opens a SQLite store, loads the doc, then appends
 * changes in a loop, printing `ack <n>` after each change's save has committed. The
 * parent kills it at a random moment. Arguments: db path, doc id hex, epoch key hex,
 * device secret key hex.
 */
import * as Y from 'yjs'
import { createPersistence } from '../../src/storage/index.ts'
import { createSqliteStore } from '../../src/storage/sqlite.ts'
import { asDocId, fromHex } from '../../src/lib/index.ts'
import { generateSigningKeyPair } from '../../src/crypto/index.ts'
import { persistableYDoc } from '../helpers/ydoc.ts'

const [path, docHex, keyHex, deviceHex] = process.argv.slice(2)
if (path === undefined || docHex === undefined || keyHex === undefined || deviceHex === undefined) throw new Error('usage: crash-writer <db> <doc> <key> <device>')
const key = fromHex(keyHex)
const device = generateSigningKeyPair(fromHex(deviceHex))
const store = createSqliteStore({ path })
const p = persistableYDoc(new Y.Doc())
const persistence = createPersistence({
  docId: asDocId(fromHex(docHex)),
  doc: p,
  store,
  keys: { author: device, sealing: () => ({ epoch: 0, key }), epochKey: () => key },
  batchMs: 1
})
const report = await persistence.load()
if (report.problems.length > 0) {
  console.error(`problems at load: ${JSON.stringify(report.problems)}`)
  process.exit(3)
}
const list = p.doc.getArray<number>('acked')
let n = list.length
process.stdout.write(`loaded ${n}\n`)
for (;;) {
  // a burst of several changes, then wait for the commit, then acknowledge the last one
  const burst = 1 + (n % 5)
  for (let i = 0; i < burst; i++) list.push([n++])
  await persistence.whenSaved()
  process.stdout.write(`ack ${n}\n`)
}
