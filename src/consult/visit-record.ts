/**
 * What a video consultation leaves in the visit compartment when the doctor ends it
 * (FHIR R4): an Encounter (class VR "virtual", period, participants, reason); when both
 * people agreed to keep it, the chat transcript as a Communication of that encounter; and
 * each file shared in the call as a DocumentReference of that encounter, its bytes inline.
 */
import { MAX_CALL_FILE_BYTES } from './channel-messages.ts'

/** One chat line as the transcript keeps it. */
export interface TranscriptLine {
  /** Who wrote it, as shown. */
  readonly author: string
  readonly text: string
  /** When it was sent or received (ms). */
  readonly at: number
}

/** A file shared in the call. */
export interface SharedFile {
  readonly name: string
  readonly mime: string
  readonly data: Uint8Array
  /** Who shared it, as shown. */
  readonly author: string
  readonly at: number
}

/** What the visit record is made from. */
export interface VisitRecordInput {
  /** Random id suffix shared by the resources (8..32 of `[a-z0-9]`). */
  readonly id: string
  /** When media first came up, and when the doctor ended the visit (ms). */
  readonly start: number
  readonly end: number
  readonly doctor: { readonly name: string; readonly did: string }
  readonly patient: { readonly name: string; readonly did: string }
  /** Why the visit took place (the doctor's words). */
  readonly reason: string
  /** Present only when both agreed to keep the chat. */
  readonly transcript?: readonly TranscriptLine[]
  readonly files: readonly SharedFile[]
}

/** A FHIR resource as plain JSON (the record layer validates it on the way in). */
export type VisitResource = { readonly resourceType: string; readonly id: string } & Record<string, unknown>

/** Longest reason text. */
export const MAX_VISIT_REASON = 500

const iso = (ms: number): string => new Date(ms).toISOString()
const b64 = (bytes: Uint8Array): string => {
  let bin = ''
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  return btoa(bin)
}
const time = (ms: number): string => iso(ms).slice(11, 19)

/**
 * The resources of a finished video visit: the Encounter first, then the Communication (if
 * the transcript was kept), then one DocumentReference per shared file.
 * @throws {RangeError} for an id, period, reason or file out of range
 * @example visitRecordOf({ id, start, end, doctor, patient, reason: 'Follow-up of hypertension', files: [] })[0].resourceType // 'Encounter'
 */
export function visitRecordOf(input: VisitRecordInput): VisitResource[] {
  if (!/^[a-z0-9]{8,32}$/.test(input.id)) throw new RangeError('id: 8..32 of a-z 0-9')
  if (!(Number.isSafeInteger(input.start) && Number.isSafeInteger(input.end) && input.start <= input.end)) throw new RangeError('period: start ≤ end')
  const reason = input.reason.trim()
  if (reason.length > MAX_VISIT_REASON) throw new RangeError(`reason: at most ${MAX_VISIT_REASON} characters`)
  const encounterId = `vc-${input.id}`
  const encounterRef = { reference: `Encounter/${encounterId}` }
  const who = (p: { name: string; did: string }): Record<string, unknown> => ({ display: p.name, identifier: { system: 'urn:ietf:rfc:3986', value: p.did } })
  const encounter: VisitResource = {
    resourceType: 'Encounter',
    id: encounterId,
    status: 'finished',
    // HL7 v3 ActCode VR: "virtual" — a visit by video, not in person
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'VR', display: 'virtual' },
    type: [{ text: 'Video consultation' }],
    subject: who(input.patient),
    participant: [
      // HL7 v3 ParticipationType PPRF: primary performer
      { type: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'PPRF', display: 'primary performer' }] }], individual: who(input.doctor) }
    ],
    period: { start: iso(input.start), end: iso(input.end) },
    ...(reason === '' ? {} : { reasonCode: [{ text: reason }] })
  }
  const out: VisitResource[] = [encounter]
  if (input.transcript !== undefined && input.transcript.length > 0) {
    out.push({
      resourceType: 'Communication',
      id: `vt-${input.id}`,
      status: 'completed',
      encounter: encounterRef,
      subject: who(input.patient),
      sent: iso(input.end),
      category: [{ text: 'Chat transcript of a video consultation' }],
      payload: input.transcript.map((l) => ({ contentString: `[${time(l.at)}] ${l.author}: ${l.text}` }))
    })
  }
  input.files.forEach((f, i) => {
    if (f.data.length === 0 || f.data.length > MAX_CALL_FILE_BYTES) throw new RangeError(`file ${f.name}: 1..${MAX_CALL_FILE_BYTES} bytes`)
    out.push({
      resourceType: 'DocumentReference',
      id: `vf-${input.id}-${i}`,
      status: 'current',
      type: { text: 'Shared during a video consultation' },
      subject: who(input.patient),
      date: iso(f.at),
      author: [{ display: f.author }],
      description: f.name,
      content: [{ attachment: { contentType: f.mime, title: f.name, size: f.data.length, data: b64(f.data), creation: iso(f.at) } }],
      context: { encounter: [encounterRef], period: { start: iso(input.start), end: iso(input.end) } }
    })
  })
  return out
}
