/**
 * Backup and restore (issue 10 §6): a backup restored into an empty store is the same
 * record, byte for byte, and opens with the passphrase; a wrong passphrase or any damage
 * to the file is a named error and the target is never written.
 */
import { describe, it, expect, afterAll, beforeAll } from 'vitest'
import fc from 'fast-check'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { concatBytes, toHex } from '../../src/lib/index.ts'
import { createMemoryStore, docIdFromHex, writeBlob, type EnvelopeStore } from '../../src/storage/index.ts'
import { createSqliteStore } from '../../src/storage/sqlite.ts'
import { randomBytes } from '../../src/crypto/index.ts'
import { createRecordWithVault, openRecordSession, type RecordSession } from '../../src/app/record-session.ts'
import { recordVault } from '../../src/app/vault-items.ts'
import { restoreRecordBackup, writeRecordBackup, type BackupManifest } from '../../src/app/backup-content.ts'
import { BACKUP_HEADER_BYTES, SEGMENT_BYTES, bytesSource, createBackupWriter } from '../../src/app/backup-file.ts'
import type { Compartment, FhirResource } from '../../src/record/index.ts'
import { validResources } from '../record/helpers.ts'

const dir = mkdtempSync(join(tmpdir(), 'phr-backup-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let n = 0
const sqlite = (): EnvelopeStore => createSqliteStore({ path: join(dir, `b${n++}.db`) })
const fast = { scrypt: { log2N: 10, r: 8, p: 1 }, batchMs: 1 }
const PASS = 'correct horse battery'
const BASE = Date.UTC(2024, 0, 1)
/** Named errors a damaged or foreign file may give. */
const REFUSALS = ['BackupDamagedError', 'BackupFormatError', 'WrongPassphraseError', 'BackupTooLargeError']

function allergy(id: string, text: string): FhirResource {
  return { ...validResources()['AllergyIntolerance'], id, code: { text } } as FhirResource
}

function readCompartment(c: Compartment): unknown {
  const out: Record<string, unknown> = {}
  for (const type of c.resources.types()) out[type] = c.resources.list(type, { includeWithdrawn: true }).map((r) => ({ r, h: c.resources.history(type, r.id).length }))
  out['series'] = c.series.list().map((info) => c.series.read(info.code, info.device, 0, Date.UTC(2100, 0, 1)).series.map((x) => ({ times: Array.from(x.times), values: Array.from(x.values) })))
  return out
}
function readAll(s: RecordSession): unknown {
  return Object.fromEntries([...s.compartments].map(([kind, c]) => [kind, readCompartment(c.compartment)]))
}

/** Everything a store holds, as hex, for byte-for-byte comparison. */
async function dump(store: EnvelopeStore): Promise<unknown> {
  const docs: Record<string, unknown> = {}
  for (const hex of await store.docs()) {
    const id = docIdFromHex(hex)
    const held = await store.read(id)
    docs[hex] = { snapshot: held.snapshot === undefined ? null : toHex(held.snapshot), envelopes: held.envelopes.map(toHex), vector: [...(await store.vector(id))] }
  }
  const meta: Record<string, string> = {}
  for (const name of await store.metaNames()) meta[name] = toHex((await store.getMeta(name))!)
  const blobs: Record<string, string[]> = {}
  for (const id of await store.blobIds()) {
    const count = await store.chunkCount(id)
    blobs[id] = []
    for (let i = 0; i < count; i++) blobs[id].push(toHex((await store.getChunk(id, i))!))
  }
  return { docs, meta, blobs }
}

async function isEmpty(store: EnvelopeStore): Promise<boolean> {
  return (await store.docs()).length === 0 && (await store.metaNames()).length === 0 && (await store.blobIds()).length === 0
}

/** A record with resources, series, a compacted compartment, vault items and an attachment of `attachmentBytes`. */
async function makeRecord(store: EnvelopeStore, attachmentBytes = 600_000): Promise<unknown> {
  const { session: s, vaultKey } = await createRecordWithVault(store, PASS, {}, fast)
  for (let i = 0; i < 12; i++) {
    s.get('core').resources.put(allergy(`a${i % 5}`, `text ${i}`))
    await s.whenSaved()
  }
  for (let i = 0; i < 400; i++) s.get('vitals').series.append('8867-4', 'strap-1', BASE + i * 1000, 60 + (i % 40), '/min')
  s.get('vitals').series.flush()
  await s.whenSaved()
  await s.compact()
  s.get('core').resources.put(allergy('after', 'written after the snapshot'))
  await s.whenSaved()
  const vault = recordVault(store, vaultKey, s.device.publicKey, () => BASE)
  await vault.deviceCert('Test device')
  await vault.setOwnMailboxes(['/dns4/relay.example/tcp/443/wss'])
  // incompressible bytes (random in 64 KiB pieces), so that the file has several segments
  await writeBlob(store, (async function* () {
    for (let left = attachmentBytes; left > 0; left -= 65_536) yield randomBytes(Math.min(65_536, left))
  })())
  const state = readAll(s)
  await s.close()
  vaultKey.fill(0)
  return state
}

async function backupOf(store: EnvelopeStore, progress?: number[]): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  await writeRecordBackup(store, PASS, (p) => void parts.push(p), { label: 'own', scrypt: fast.scrypt, ...(progress === undefined ? {} : { onProgress: (f: number) => void progress.push(f) }) })
  return concatBytes(...parts)
}

/** Restores `file` into a fresh memory store; reports the error name (or undefined), whether the target was asked for, and whether it is empty. */
async function tryRestore(file: Uint8Array, passphrase = PASS): Promise<{ error: string | undefined; asked: boolean; empty: boolean }> {
  const target = createMemoryStore()
  let asked = false
  const error = await restoreRecordBackup(bytesSource(file), passphrase, async () => {
    asked = true
    return target
  }).then(
    () => undefined,
    (e: unknown) => (e as Error).name
  )
  return { error, asked, empty: await isEmpty(target) }
}

/** Where each segment of a file starts (after the header). */
function segmentOffsets(file: Uint8Array): number[] {
  const out: number[] = []
  let off = BACKUP_HEADER_BYTES
  while (off < file.length) {
    out.push(off)
    off += 29 + new DataView(file.buffer, file.byteOffset + off + 1, 4).getUint32(0)
  }
  return out
}

describe('backup and restore', () => {
  for (const [name, open] of [
    ['memory', createMemoryStore],
    ['SQLite', sqlite]
  ] as const) {
    it(`${name}: restores an identical record that opens with the passphrase`, async () => {
      const source = open()
      const state = await makeRecord(source)
      const progress: number[] = []
      const file = await backupOf(source, progress)
      expect(progress.at(-1)).toBe(1)
      expect(progress).toEqual([...progress].sort((a, b) => a - b))
      // the file holds the record's ciphertext, sealed again: not one stored envelope appears in it
      const first = (await source.read(docIdFromHex((await source.docs())[0]!))).snapshot!
      expect(Buffer.from(file).includes(Buffer.from(first.subarray(0, 64)))).toBe(false)

      const target = open()
      const restoreProgress: number[] = []
      let manifest: BackupManifest | undefined
      const result = await restoreRecordBackup(bytesSource(file), PASS, async (m) => ((manifest = m), target), { onProgress: (f) => void restoreProgress.push(f) })
      expect(manifest?.label).toBe('own')
      expect(result.counts.chunks).toBeGreaterThan(2)
      expect(restoreProgress.at(-1)).toBe(1)
      expect(restoreProgress).toEqual([...restoreProgress].sort((a, b) => a - b))
      expect(await dump(target)).toEqual(await dump(source))

      const again = await openRecordSession(target, PASS, fast)
      for (const c of again.compartments.values()) expect(c.report.problems).toEqual([])
      expect(readAll(again)).toEqual(state)
      // and it goes on: a change made on the restored record is stored and reads back
      again.get('core').resources.put(allergy('restored', 'after restore'))
      await again.close()
      const third = await openRecordSession(target, PASS, fast)
      expect(third.get('core').resources.get('AllergyIntolerance', 'restored')).toBeDefined()
      await third.close()
      await source.close()
      await target.close()
    })
  }

  it('refuses to export under a passphrase that does not open the record', async () => {
    const store = createMemoryStore()
    await makeRecord(store, 10)
    const parts: Uint8Array[] = []
    const err = await writeRecordBackup(store, 'not it', (p) => void parts.push(p), { label: 'own', scrypt: fast.scrypt }).catch((e: unknown) => e)
    expect((err as Error).name).toBe('WrongPassphraseError')
    expect(parts).toEqual([])
  })

  describe('a wrong passphrase or a damaged file changes nothing', () => {
    let file: Uint8Array
    let other: Uint8Array
    beforeAll(async () => {
      const store = createMemoryStore()
      await makeRecord(store)
      file = await backupOf(store)
      other = await backupOf(store)
      expect(segmentOffsets(file).length).toBeGreaterThanOrEqual(3)
    })

    it('wrong passphrase: WrongPassphraseError, the target is never asked for', async () => {
      expect(await tryRestore(file, 'wrong horse')).toEqual({ error: 'WrongPassphraseError', asked: false, empty: true })
    })

    it('refuses a target that already holds something, and leaves it as it was', async () => {
      const target = createMemoryStore()
      await target.putMeta('mine', new Uint8Array([1]))
      const err = await restoreRecordBackup(bytesSource(file), PASS, async () => target).catch((e: unknown) => e)
      expect((err as Error).name).toBe('RestoreTargetNotEmptyError')
      expect(await target.metaNames()).toEqual(['mine'])
      expect(await target.docs()).toEqual([])
    })

    it('a flipped byte in every region of the file', async () => {
      const [s0, s1] = segmentOffsets(file)
      const regions: Record<string, number> = {
        magic: 0,
        version: 6,
        kdf: 7,
        log2N: 8,
        salt: 12,
        check: 30,
        headerSum: 45,
        firstFlag: s0!,
        firstLength: s0! + 2,
        firstNonce: s0! + 10,
        firstCiphertext: s0! + 100,
        firstTag: s1! - 1,
        secondSegment: s1! + 1000,
        lastByte: file.length - 1
      }
      for (const [region, at] of Object.entries(regions)) {
        const bad = file.slice()
        bad[at]! ^= 0x01
        const r = await tryRestore(bad)
        expect(REFUSALS, region).toContain(r.error)
        expect(r.empty, region).toBe(true)
      }
      // header damage is told apart from a wrong passphrase
      for (const at of [8, 12, 30, 45]) {
        const bad = file.slice()
        bad[at]! ^= 0x80
        expect((await tryRestore(bad)).error).toBe('BackupDamagedError')
      }
      const notOurs = file.slice()
      notOurs[0] = 0x00
      expect((await tryRestore(notOurs)).error).toBe('BackupFormatError')
    })

    it('cut short anywhere, or with bytes appended', async () => {
      const offsets = segmentOffsets(file)
      for (const length of [0, 5, 20, BACKUP_HEADER_BYTES, offsets[1]!, offsets[1]! + 7, offsets.at(-1)!, file.length - 1]) {
        const r = await tryRestore(file.subarray(0, length))
        expect(REFUSALS, `cut at ${length}`).toContain(r.error)
        expect(r.empty).toBe(true)
        expect(r.asked).toBe(false)
      }
      // cut exactly at a segment boundary: the final segment is missing
      expect((await tryRestore(file.subarray(0, offsets.at(-1)))).error).toBe('BackupDamagedError')
      for (const extra of [Uint8Array.of(0), randomBytes(29), file.subarray(offsets.at(-1))]) {
        const r = await tryRestore(concatBytes(file, extra))
        expect(r).toEqual({ error: 'BackupDamagedError', asked: false, empty: true })
      }
    })

    it('segments reordered, dropped, repeated, or spliced in from another backup', async () => {
      const o = segmentOffsets(file)
      const seg = (f: Uint8Array, i: number, offs = o): Uint8Array => f.subarray(offs[i], offs[i + 1] ?? f.length)
      const head = file.subarray(0, BACKUP_HEADER_BYTES)
      const rest = (from: number): Uint8Array => file.subarray(o[from])
      const variants: Record<string, Uint8Array> = {
        swapped: concatBytes(head, seg(file, 1), seg(file, 0), rest(2)),
        dropped: concatBytes(head, seg(file, 0), rest(2)),
        repeated: concatBytes(head, seg(file, 0), seg(file, 0), rest(1)),
        spliced: concatBytes(head, seg(other, 0, segmentOffsets(other)), rest(1)),
        otherHeader: concatBytes(other.subarray(0, BACKUP_HEADER_BYTES), rest(0))
      }
      for (const [what, bytes] of Object.entries(variants)) {
        const r = await tryRestore(bytes)
        // another file's header under the same passphrase gives that file's key: this file's segments do not open under it
        expect(r.error, what).toBe('BackupDamagedError')
        expect(r.empty, what).toBe(true)
      }
      // a final flag moved onto an earlier segment
      const early = file.slice()
      early[o[0]!] = 1
      expect((await tryRestore(early)).error).toBe('BackupDamagedError')
    })

    it('a segment length declared over its cap is refused before it is read', async () => {
      const bad = file.slice()
      new DataView(bad.buffer).setUint32(segmentOffsets(file)[0]! + 1, 0xfffffff0)
      expect(await tryRestore(bad)).toEqual({ error: 'BackupDamagedError', asked: false, empty: true })
      const tiny = file.slice()
      new DataView(tiny.buffer).setUint32(segmentOffsets(file)[0]! + 1, 3)
      expect((await tryRestore(tiny)).error).toBe('BackupDamagedError')
    })

    it('property: random byte changes never give a partly restored store', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(fc.record({ at: fc.nat(file.length - 1), xor: fc.integer({ min: 1, max: 255 }) }), { minLength: 1, maxLength: 4 }), async (flips) => {
          const bad = file.slice()
          for (const f of flips) bad[f.at]! ^= f.xor
          const r = await tryRestore(bad)
          expect(REFUSALS).toContain(r.error)
          expect(r.empty).toBe(true)
        }),
        { numRuns: 60 }
      )
    })
  })

  describe('content sealed correctly but not a record', () => {
    const sealed = async (content: Uint8Array): Promise<Uint8Array> => {
      const parts: Uint8Array[] = []
      const w = await createBackupWriter(PASS, (p) => void parts.push(p), { scrypt: fast.scrypt })
      await w.write(content)
      await w.finish()
      return concatBytes(...parts)
    }
    const manifest = Uint8Array.of(0x4d, 1, 0, 3, 0x6f, 0x77, 0x6e)

    it('an item declaring a length over its cap is a BackupFormatError, with nothing allocated', async () => {
      // a meta value declaring 2^50 bytes
      const file = await sealed(concatBytes(manifest, Uint8Array.of(0x03, 1, 0x61, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01)))
      expect(await tryRestore(file)).toEqual({ error: 'BackupFormatError', asked: false, empty: true })
    })

    it('a file without its end item, or without a record, is a BackupFormatError', async () => {
      expect((await tryRestore(await sealed(manifest))).error).toBe('BackupFormatError')
      expect((await tryRestore(await sealed(concatBytes(manifest, Uint8Array.of(0, 0, 0, 0, 0, 0))))).error).toBe('BackupFormatError')
      expect((await tryRestore(await sealed(new Uint8Array(SEGMENT_BYTES + 5)))).error).toBe('BackupFormatError')
    })
  })
})
