/**
 * The visit record of a video consultation and the quality indicator: an Encounter (VR,
 * period, doctor as primary performer, reason) that the record layer accepts; the chat
 * transcript only when given (both agreed); each shared file as a DocumentReference of that
 * encounter with its bytes; limits refused. Quality levels from loss and round-trip time.
 */
import { describe, expect, it } from 'vitest'
import { callQuality, statsSample, visitRecordOf, MAX_CALL_FILE_BYTES } from '../../src/consult/index.ts'
import { createCompartment } from '../../src/record/index.ts'
import { asDocId } from '../../src/lib/index.ts'

const base = {
  id: 'abc12345def',
  start: Date.UTC(2026, 10, 29, 9, 0, 0),
  end: Date.UTC(2026, 10, 29, 9, 14, 30),
  doctor: { name: 'Dr Nodira Karimova', did: 'did:key:z6MkDoctor' },
  patient: { name: 'Aziza Yusupova', did: 'did:key:z6MkPatient' },
  reason: 'Follow-up of hypertension',
  files: []
}

describe('visit record', () => {
  it('is an Encounter alone when the chat was not kept and nothing was shared', () => {
    const out = visitRecordOf(base)
    expect(out).toHaveLength(1)
    expect(out[0]).toMatchObject({
      resourceType: 'Encounter',
      status: 'finished',
      class: { code: 'VR' },
      period: { start: '2026-11-29T09:00:00.000Z', end: '2026-11-29T09:14:30.000Z' },
      reasonCode: [{ text: 'Follow-up of hypertension' }],
      participant: [{ individual: { display: 'Dr Nodira Karimova' } }]
    })
  })

  it('adds the transcript and the files, each pointing at the encounter, and the record accepts them all', () => {
    const out = visitRecordOf({
      ...base,
      transcript: [
        { author: 'Dr Nodira Karimova', text: 'How is the pressure?', at: base.start + 60_000 },
        { author: 'Aziza Yusupova', text: '135/85 this morning', at: base.start + 90_000 }
      ],
      files: [{ name: 'bp diary.pdf', mime: 'application/pdf', data: new Uint8Array([1, 2, 3]), author: 'Aziza Yusupova', at: base.start + 120_000 }]
    })
    expect(out.map((r) => r.resourceType)).toEqual(['Encounter', 'Communication', 'DocumentReference'])
    expect(out[1]).toMatchObject({ encounter: { reference: `Encounter/${out[0]?.id}` }, payload: [{ contentString: '[09:01:00] Dr Nodira Karimova: How is the pressure?' }, { contentString: '[09:01:30] Aziza Yusupova: 135/85 this morning' }] })
    expect(out[2]).toMatchObject({ context: { encounter: [{ reference: `Encounter/${out[0]?.id}` }] }, content: [{ attachment: { contentType: 'application/pdf', title: 'bp diary.pdf', size: 3, data: 'AQID' } }] })
    const c = createCompartment({ kind: 'visit:test', docId: asDocId(new Uint8Array(16).fill(1)) })
    for (const r of out) c.resources.put(r)
    expect(c.resources.list('Encounter')).toHaveLength(1)
    expect(c.resources.list('DocumentReference')).toHaveLength(1)
    c.destroy()
  })

  it('refuses a bad id, a period ending before it starts, a long reason and a file too big', () => {
    expect(() => visitRecordOf({ ...base, id: 'NO/GOOD' })).toThrow(RangeError)
    expect(() => visitRecordOf({ ...base, end: base.start - 1 })).toThrow(RangeError)
    expect(() => visitRecordOf({ ...base, reason: 'x'.repeat(501) })).toThrow(RangeError)
    expect(() => visitRecordOf({ ...base, files: [{ name: 'big', mime: 'image/png', data: new Uint8Array(MAX_CALL_FILE_BYTES + 1), author: 'x', at: base.start }] })).toThrow(RangeError)
  })
})

describe('call quality', () => {
  const sample = (received: number, lost: number, rtt?: number) => ({ packetsReceived: received, packetsLost: lost, framesDecoded: 10, ...(rtt === undefined ? {} : { roundTripTime: rtt }) })
  it('is unknown before anything arrived, then good, fair or poor from the last interval', () => {
    expect(callQuality(undefined, sample(0, 0)).level).toBe('unknown')
    expect(callQuality(sample(0, 0), sample(1000, 5, 0.05)).level).toBe('good')
    expect(callQuality(sample(1000, 5), sample(2000, 55, 0.05))).toMatchObject({ level: 'fair', lossPercent: 4.8, rttMs: 50 })
    expect(callQuality(sample(1000, 5), sample(2000, 205, 0.05)).level).toBe('poor')
    expect(callQuality(sample(0, 0), sample(1000, 0, 0.4)).level).toBe('fair')
    expect(callQuality(sample(0, 0), sample(1000, 0, 0.9)).level).toBe('poor')
    // an earlier bad interval does not colour a clean one
    expect(callQuality(sample(2000, 500), sample(3000, 500, 0.02)).level).toBe('good')
  })

  it('reads inbound RTP and the selected candidate pair from a stats report', () => {
    const report = new Map<string, unknown>([
      ['a', { type: 'inbound-rtp', kind: 'video', packetsReceived: 900, packetsLost: 9, framesDecoded: 300 }],
      ['b', { type: 'inbound-rtp', kind: 'audio', packetsReceived: 100, packetsLost: 1 }],
      ['t', { type: 'transport', selectedCandidatePairId: 'p2' }],
      ['p1', { type: 'candidate-pair', id: 'p1', currentRoundTripTime: 0.9, nominated: false, state: 'failed' }],
      ['p2', { type: 'candidate-pair', id: 'p2', currentRoundTripTime: 0.012, nominated: true, state: 'succeeded' }]
    ])
    expect(statsSample(report)).toEqual({ packetsReceived: 1000, packetsLost: 10, framesDecoded: 300, roundTripTime: 0.012 })
  })
})
