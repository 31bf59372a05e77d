/**
 * A record on a real SQLite store: created, changed, saved, closed and reopened with the
 * passphrase, it is the same record; at rest it is ciphertext; a wrong passphrase says so
 * and changes nothing.
 */
import { describe, it, expect, afterAll } from 'vitest'
import fc from 'fast-check'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createRecordSession, openRecordSession, openRecordWithVaultKey, unlockVault, NoRecordError, type RecordSession } from '../../src/app/record-session.ts'
import { createSqliteStore } from '../../src/storage/sqlite.ts'
import type { Compartment, FhirResource } from '../../src/record/index.ts'
import { validResources } from '../record/helpers.ts'

const dir = mkdtempSync(join(tmpdir(), 'phr-session-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const fast = { scrypt: { log2N: 10, r: 8, p: 1 }, batchMs: 1 }
let n = 0
const newPath = (): string => join(dir, `r${n++}.db`)
const BASE = Date.UTC(2024, 0, 1)

const MARKER = 'Zq7-penicillin-marker'

function allergy(id: string, text: string): FhirResource {
  return { ...validResources()['AllergyIntolerance'], id, code: { text } } as FhirResource
}

/** What a user could read back. */
function readAll(s: RecordSession): unknown {
  const out: Record<string, unknown> = {}
  for (const [kind, { compartment: c }] of s.compartments) out[kind] = readCompartment(c)
  return out
}
function readCompartment(c: Compartment): unknown {
  const out: Record<string, unknown> = {}
  for (const type of c.resources.types()) {
    out[type] = c.resources.list(type, { includeWithdrawn: true }).map((r) => ({ r, h: c.resources.history(type, r.id).length }))
  }
  out['series'] = c.series.list().map((info) => {
    const r = c.series.read(info.code, info.device, 0, Date.UTC(2100, 0, 1))
    return r.series.map((x) => ({ code: x.code, device: x.device, unit: x.unit, times: Array.from(x.times), values: Array.from(x.values) }))
  })
  return out
}

describe('record session', () => {
  it('reopens with the passphrase to the same record, stored only as ciphertext', async () => {
    const path = newPath()
    let store = createSqliteStore({ path })
    const s = await createRecordSession(store, 'correct horse', fast)
    s.get('core').resources.put(allergy('a1', MARKER))
    for (let i = 0; i < 500; i++) s.get('vitals').series.append('8867-4', 'strap-1', BASE + i * 1000, 60 + (i % 40), '/min')
    s.get('vitals').series.flush()
    await s.whenSaved()
    const before = readAll(s)
    await s.close()
    await store.close()

    // nothing readable at rest: the marker is in no byte of the database file
    const raw = readFileSync(path)
    expect(raw.includes(Buffer.from(MARKER))).toBe(false)
    expect(raw.includes(Buffer.from('AllergyIntolerance'))).toBe(false)

    store = createSqliteStore({ path })
    const again = await openRecordSession(store, 'correct horse', fast)
    for (const c of again.compartments.values()) expect(c.report.problems).toEqual([])
    expect(readAll(again)).toEqual(before)
    expect(again.get('core').resources.get('AllergyIntolerance', 'a1')?.code).toEqual({ text: MARKER })
    await again.close()
    await store.close()
  })

  it('reports the progress of opening, weighed by what each compartment holds, from 0 to 1', async () => {
    const path = newPath()
    let store = createSqliteStore({ path })
    const s = await createRecordSession(store, 'correct horse', fast)
    s.get('core').resources.put(allergy('a1', MARKER))
    for (let i = 0; i < 20_000; i++) s.get('vitals').series.append('8867-4', 'strap-1', BASE + i * 1000, 60 + (i % 40), '/min')
    s.get('vitals').series.flush()
    await s.whenSaved()
    await s.compact()
    for (let i = 0; i < 3; i++) s.get('notes').resources.put(allergy(`n${i}`, 'later'))
    await s.whenSaved()
    await s.close()
    await store.close()

    store = createSqliteStore({ path })
    const seen: number[] = []
    const again = await openRecordWithVaultKey(store, await unlockVault(store, 'correct horse'), { ...fast, onOpenProgress: (f) => void seen.push(f) })
    expect(seen[0]).toBe(0)
    expect(seen.at(-1)).toBe(1)
    expect(seen).toEqual([...seen].sort((a, b) => a - b))
    // the vitals compartment holds most bytes: its snapshot moves the bar most
    expect(new Set(seen).size).toBeGreaterThan(3)
    expect(again.get('core').resources.get('AllergyIntolerance', 'a1')?.code).toEqual({ text: MARKER })
    await again.close()
    await store.close()
  })

  it('says WrongPassphraseError for a wrong passphrase and changes nothing', async () => {
    const path = newPath()
    const store = createSqliteStore({ path })
    const s = await createRecordSession(store, 'right', fast)
    s.get('core').resources.put(allergy('a1', 'x'))
    await s.close()
    const err = await openRecordSession(store, 'wrong', fast).catch((e: unknown) => e)
    expect((err as Error).name).toBe('WrongPassphraseError')
    const ok = await openRecordSession(store, 'right', fast)
    expect(ok.get('core').resources.get('AllergyIntolerance', 'a1')).toBeDefined()
    await ok.close()
    await store.close()
  })

  it('says NoRecordError on a device without a record, and refuses to create a second one', async () => {
    const store = createSqliteStore({ path: newPath() })
    expect(((await openRecordSession(store, 'x', fast).catch((e: unknown) => e)) as Error).name).toBe(new NoRecordError('').name)
    const s = await createRecordSession(store, 'x', fast)
    await s.close()
    await expect(createRecordSession(store, 'x', fast)).rejects.toThrow(RangeError)
    await store.close()
  })

  it('compacts every compartment, and reopens to the same record from the snapshots', async () => {
    const path = newPath()
    let store = createSqliteStore({ path })
    const s = await createRecordSession(store, 'p', fast)
    for (let i = 0; i < 30; i++) {
      s.get('core').resources.put(allergy(`a${i % 7}`, `v${i}`))
      await s.whenSaved()
    }
    const before = readAll(s)
    expect(await s.compact()).toBeGreaterThanOrEqual(30)
    await s.close()
    await store.close()
    store = createSqliteStore({ path })
    const again = await openRecordSession(store, 'p', fast)
    expect(again.compartments.get('core')?.report).toMatchObject({ snapshot: true, problems: [] })
    expect(readAll(again)).toEqual(before)
    await again.close()
    await store.close()
  })

  it('property: any puts, withdrawals and appends give the same record after save → reopen', async () => {
    type Op = { kind: 'put'; id: number; text: number } | { kind: 'withdraw'; id: number } | { kind: 'append'; t: number; v: number } | { kind: 'save' }
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ kind: fc.constant('put' as const), id: fc.nat(4), text: fc.nat(1000) }),
      fc.record({ kind: fc.constant('withdraw' as const), id: fc.nat(4) }),
      fc.record({ kind: fc.constant('append' as const), t: fc.nat(3 * 86_400), v: fc.integer({ min: 30, max: 220 }) }),
      fc.constant({ kind: 'save' as const })
    )
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 40 }), async (ops) => {
        const path = newPath()
        let store = createSqliteStore({ path })
        const s = await createRecordSession(store, 'p', fast)
        const core = s.get('core')
        for (const o of ops) {
          if (o.kind === 'put') core.resources.put(allergy(`a${o.id}`, `t${o.text}`))
          else if (o.kind === 'withdraw') {
            if (core.resources.get('AllergyIntolerance', `a${o.id}`) !== undefined) core.resources.withdraw('AllergyIntolerance', `a${o.id}`)
          } else if (o.kind === 'append') s.get('vitals').series.append('8867-4', 'strap', BASE + o.t * 1000, o.v, '/min')
          else await s.whenSaved()
        }
        s.get('vitals').series.flush()
        await s.whenSaved()
        const before = readAll(s)
        await s.close()
        await store.close()
        store = createSqliteStore({ path })
        const again = await openRecordSession(store, 'p', fast)
        expect(readAll(again)).toEqual(before)
        await again.close()
        await store.close()
      }),
      { numRuns: 30 }
    )
  })
})
