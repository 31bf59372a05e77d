/**
 * The emergency link: the critical summary read from a record's core compartment goes into
 * a link whose fragment alone carries it, encrypted; the emergency page reads it back; a
 * changed character, a cut-short link, a foreign link or an oversized one is refused by
 * name, never shown altered.
 */
import { describe, it, expect } from 'vitest'
import { createMemoryStore } from '../../src/storage/index.ts'
import { createRecordWithVault } from '../../src/app/record-session.ts'
import { addAllergy } from '../../src/app/edits.ts'
import { emergencyCardOf, emergencyLink, readEmergencyLink, MAX_EMERGENCY_FRAGMENT } from '../../src/app/emergency.ts'

const fast = { scrypt: { log2N: 10, r: 8, p: 1 }, batchMs: 1 }

describe('emergency link', () => {
  it('carries the critical summary in its fragment and reads back exactly', async () => {
    const { session } = await createRecordWithVault(createMemoryStore(), 'pass', {}, fast)
    const core = session.get('core')
    core.resources.put({
      resourceType: 'Patient',
      id: 'p1',
      name: [{ text: 'Aziz Rahimov' }],
      birthDate: '1950-03-02',
      contact: [{ name: { text: 'Malika Rahimova' }, telecom: [{ system: 'phone', value: '+998 90 123 45 67' }], relationship: [{ text: 'daughter' }] }]
    })
    core.resources.put({ resourceType: 'Condition', id: 'c1', subject: { reference: 'Patient/p1' }, clinicalStatus: { coding: [{ code: 'active' }] }, code: { text: 'Type 2 diabetes' } })
    core.resources.put({ resourceType: 'Condition', id: 'c2', subject: { reference: 'Patient/p1' }, clinicalStatus: { coding: [{ code: 'resolved' }] }, code: { text: 'Fractured wrist' } })
    core.resources.put({ resourceType: 'MedicationStatement', id: 'm1', status: 'active', subject: { reference: 'Patient/p1' }, medicationCodeableConcept: { text: 'Metformin 500 mg' } })
    core.resources.put({ resourceType: 'Observation', id: 'bg', status: 'final', code: { coding: [{ system: 'http://loinc.org', code: '882-1' }] }, valueCodeableConcept: { text: 'A Rh+' } })
    await addAllergy(session, 'Penicillin', Date.UTC(2026, 0, 1))

    const card = emergencyCardOf(session, Date.UTC(2026, 10, 29))
    expect(card).toEqual({
      name: 'Aziz Rahimov',
      birthDate: '1950-03-02',
      allergies: ['Penicillin'],
      conditions: ['Type 2 diabetes'],
      medications: ['Metformin 500 mg'],
      bloodGroup: 'A Rh+',
      contacts: [{ name: 'Malika Rahimova', phone: '+998 90 123 45 67', relation: 'daughter' }],
      madeAt: '2026-11-29T00:00:00.000Z'
    })
    const link = await emergencyLink(card, 'https://phr.example')
    const url = new URL(link)
    expect(url.origin + url.pathname).toBe('https://phr.example/emergency')
    expect(link).not.toContain('Penicillin')
    expect(link.length).toBeLessThan(1500) // fits a QR code comfortably
    expect(await readEmergencyLink(url.hash)).toEqual(card)
    await session.close()
  })

  it('refuses a changed, cut-short, foreign or oversized link by name', async () => {
    const card = { name: 'X', allergies: [], conditions: [], medications: [], contacts: [], madeAt: '2026-11-29T00:00:00.000Z' }
    const hash = new URL(await emergencyLink(card, 'http://localhost:5173')).hash
    const at = hash.length - 10
    const changed = hash.slice(0, at) + (hash[at] === 'A' ? 'B' : 'A') + hash.slice(at + 1)
    for (const bad of [changed, hash.slice(0, hash.length - 5), hash.slice(0, 30), '#shlink:/abc', `#e1.${'A'.repeat(MAX_EMERGENCY_FRAGMENT)}`, '']) {
      await expect(readEmergencyLink(bad)).rejects.toMatchObject({ name: 'EmergencyLinkError' })
    }
  })
})
