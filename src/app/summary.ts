/**
 * What the patient's home shows first, read from the open record: who it is, the
 * critical facts (allergies, active conditions, current medications) and how much the
 * record holds. Completeness is carried along so the UI never shows "none" for
 * "not all here yet".
 */
import { isWithdrawn, type CodeableConcept, type FhirResource } from '../record/index.ts'
import type { RecordSession } from './record-session.ts'

/** The summary of an open record. */
export interface RecordSummary {
  name: string
  birthDate?: string
  allergies: string[]
  conditions: string[]
  medications: string[]
  counts: { resources: number; observations: number; encounters: number; immunizations: number }
  /** The newest heart-rate sample, if any. */
  latestHeartRate?: { value: number; unit: string; at: number }
  /** False while some compartment waits for updates it depends on. */
  complete: boolean
}

function label(c: CodeableConcept | undefined): string {
  return c?.text ?? c?.coding?.find((x) => x.display !== undefined)?.display ?? c?.coding?.[0]?.code ?? '?'
}

const active = (r: FhirResource): boolean => !isWithdrawn(r)

/** Reads the summary from the record's compartments. */
export function summarize(session: RecordSession): RecordSummary {
  const core = session.get('core')
  const patient = core.resources.list('Patient')[0]
  const given = patient?.name?.[0]?.given?.join(' ') ?? ''
  const name = patient?.name?.[0]?.text ?? `${given} ${patient?.name?.[0]?.family ?? ''}`.trim()
  const conditions = core.resources
    .list('Condition')
    .filter((c) => active(c) && c.clinicalStatus?.coding?.some((x) => x.code === 'active') !== false)
    .map((c) => label(c.code))
  const medications = core.resources
    .list('MedicationStatement')
    .filter((m) => active(m) && (m.status === 'active' || m.status === 'intended'))
    .map((m) => label(m.medicationCodeableConcept))
  let resources = 0
  let complete = true
  for (const [kind, { compartment }] of session.compartments) {
    // the access log is not health data: its entries (grants, syncs, device links) are not counted
    if (kind !== 'audit') resources += compartment.resources.count()
    complete &&= compartment.isComplete()
  }
  const vitals = session.get('vitals')
  const results = session.get('results')
  let latestHeartRate: RecordSummary['latestHeartRate']
  for (const info of vitals.series.list()) {
    if (info.code !== '8867-4') continue
    // only the last chunk period is decoded
    for (const s of vitals.series.read(info.code, info.device, info.lastChunk, info.lastChunk + 86_400_000).series) {
      const i = s.times.length - 1
      const at = s.times[i]
      const value = s.values[i]
      if (at !== undefined && value !== undefined && (latestHeartRate === undefined || at > latestHeartRate.at)) latestHeartRate = { value, unit: s.unit, at }
    }
  }
  return {
    name: name === '' ? '—' : name,
    ...(patient?.birthDate === undefined ? {} : { birthDate: patient.birthDate }),
    allergies: core.resources.list('AllergyIntolerance').filter(active).map((a) => label(a.code)),
    conditions,
    medications,
    counts: {
      resources,
      observations: vitals.resources.count('Observation') + results.resources.count('Observation'),
      encounters: session.get('notes').resources.count('Encounter'),
      immunizations: core.resources.count('Immunization')
    },
    ...(latestHeartRate === undefined ? {} : { latestHeartRate }),
    complete
  }
}
