/**
 * Backup figures for the demo record (`npm start`'s one-month synthetic patient) on SQLite,
 * with the default scrypt parameters, each with a baseline measured in the same run:
 * - file size ÷ the bytes the store holds (envelopes, snapshots, meta records)
 * - export time ÷ reading every item of the store (the export's own I/O)
 * - restore time (check pass + write pass) ÷ writing the same items straight into a store
 * Each of export and restore includes its scrypt runs (export: the vault check and the
 * file key; restore: the file key and the vault check), which dominate a small record.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SYNTHETIC_MONTH } from '../src/record/index.ts'
import { createRecordSession } from '../src/app/record-session.ts'
import { importSyntheticRecord } from '../src/app/demo.ts'
import { createSqliteStore } from '../src/storage/sqlite.ts'
import { docIdFromHex, type EnvelopeStore } from '../src/storage/index.ts'
import { concatBytes } from '../src/lib/index.ts'
import { restoreRecordBackup, writeRecordBackup } from '../src/app/backup-content.ts'
import { bytesSource } from '../src/app/backup-file.ts'
import type { BenchRow } from './report.ts'

const PASS = 'demo'

async function everything(store: EnvelopeStore): Promise<{ envelopes: Uint8Array[]; snapshots: Uint8Array[]; metas: Array<[string, Uint8Array]>; bytes: number }> {
  const envelopes: Uint8Array[] = []
  const snapshots: Uint8Array[] = []
  const metas: Array<[string, Uint8Array]> = []
  let bytes = 0
  for (const hex of await store.docs()) {
    const held = await store.read(docIdFromHex(hex))
    if (held.snapshot !== undefined) snapshots.push(held.snapshot)
    envelopes.push(...held.envelopes)
  }
  for (const name of await store.metaNames()) metas.push([name, (await store.getMeta(name))!])
  for (const b of [...envelopes, ...snapshots, ...metas.map(([, v]) => v)]) bytes += b.length
  return { envelopes, snapshots, metas, bytes }
}

export default async function run(): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'phr-backup-bench-'))
  try {
    const source = createSqliteStore({ path: join(dir, 'source.db') })
    const session = await createRecordSession(source, PASS)
    await importSyntheticRecord(session, SYNTHETIC_MONTH)
    await session.close()

    let t0 = performance.now()
    const held = await everything(source)
    const readMs = performance.now() - t0

    const parts: Uint8Array[] = []
    t0 = performance.now()
    await writeRecordBackup(source, PASS, (p) => void parts.push(p), { label: 'demo' })
    const exportMs = performance.now() - t0
    const file = concatBytes(...parts)

    const direct = createSqliteStore({ path: join(dir, 'direct.db') })
    t0 = performance.now()
    for (const s of held.snapshots) await direct.compact(s)
    for (let i = 0; i < held.envelopes.length; i += 256) await direct.append(held.envelopes.slice(i, i + 256))
    for (const [name, value] of held.metas) await direct.putMeta(name, value)
    const directMs = performance.now() - t0

    const target = createSqliteStore({ path: join(dir, 'target.db') })
    t0 = performance.now()
    await restoreRecordBackup(bytesSource(file), PASS, async () => target)
    const restoreMs = performance.now() - t0
    for (const s of [source, direct, target]) await s.close()

    return [
      { name: 'backup file of the demo record', value: file.length / 1e6, unit: 'MB', baselineName: 'bytes in the store', baseline: held.bytes / 1e6, ratio: file.length / held.bytes },
      { name: 'export (2 scrypt runs included)', value: exportMs, unit: 'ms', baselineName: 'read every item', baseline: readMs, ratio: exportMs / readMs },
      { name: 'restore (2 passes, 2 scrypt runs)', value: restoreMs, unit: 'ms', baselineName: 'write the same items', baseline: directMs, ratio: restoreMs / directMs }
    ]
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
