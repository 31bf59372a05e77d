/** Shared fixtures of the FHIR interop tests. */
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { createCompartment, randomDocId, type Compartment, type CompartmentKind, type FhirResource } from '../../src/record/index.ts'

export const T0 = Date.UTC(2024, 4, 2, 10, 0, 0)

/** The team's shared fixtures folder beside the repository, when there is one. */
export const SHARED_FIXTURES = fileURLToPath(new URL('../../../shared/fixtures/fhir', import.meta.url))
/** The unchanged copies in this repository (test/fhir/fixtures/hl7-ips/README.md). */
export const COPIED_FIXTURES = fileURLToPath(new URL('./fixtures/hl7-ips', import.meta.url))

/**
 * The official HL7 IPS examples (read-only): `PHR_FIXTURES_DIR`, else the team's shared
 * fixtures folder (`../shared/fixtures/fhir` from the repository's root), else the
 * repository's unchanged copies of them.
 */
export const FIXTURES = process.env['PHR_FIXTURES_DIR'] ?? (existsSync(SHARED_FIXTURES) ? SHARED_FIXTURES : COPIED_FIXTURES)
export const MINIMAL = 'ips-bundle-minimal.json'
export const NO_INFO = 'ips-bundle-no-info-required-sections.json'

/** A fixture, freshly parsed (tests may not mutate the shared file, only their copy). */
export function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(`${FIXTURES}/${name}`, 'utf8')) as Record<string, unknown>
}

/** An in-memory record: compartments created on first use, with a fixed clock. */
export interface TestRecord {
  readonly get: (kind: CompartmentKind) => Compartment
  readonly kinds: () => CompartmentKind[]
  /** Every resource of every compartment, as `kind:Type/id`. */
  readonly keys: () => string[]
  readonly all: () => FhirResource[]
}

export function testRecord(): TestRecord {
  const comps = new Map<CompartmentKind, Compartment>()
  let now = T0
  const get = (kind: CompartmentKind): Compartment => {
    let c = comps.get(kind)
    if (c === undefined) comps.set(kind, (c = createCompartment({ kind, docId: randomDocId(), clock: () => (now += 1000) })))
    return c
  }
  const all = (): FhirResource[] => {
    const out: FhirResource[] = []
    for (const c of comps.values()) for (const t of c.resources.types()) out.push(...c.resources.list(t, { includeWithdrawn: true }))
    return out
  }
  return {
    get,
    kinds: () => [...comps.keys()].filter((k) => (comps.get(k)?.resources.count() ?? 0) > 0).sort(),
    keys: () => {
      const out: string[] = []
      for (const [k, c] of comps) for (const t of c.resources.types()) for (const r of c.resources.list(t, { includeWithdrawn: true })) out.push(`${k}:${t}/${r.id}`)
      return out.sort()
    },
    all
  }
}

/** A resource without its record stamps (`meta`), for comparing content. */
export function content(r: Record<string, unknown>): Record<string, unknown> {
  const { meta: _meta, ...rest } = r
  return rest
}
