import { describe, it, expect } from 'vitest'
import { routeOf, patientScreenOf, patientPath, subRouteOf, PATIENT_SCREENS } from '../../src/ui/router.ts'

describe('routeOf', () => {
  it.each([
    ['/', 'home'],
    ['/patient', 'patient'],
    ['/patient/timeline', 'patient'],
    ['/patient/settings/', 'patient'],
    ['/patient/nowhere', 'not-found'],
    ['/patient/vitals/extra', 'not-found'],
    ['/doctor', 'doctor'],
    ['/caregiver', 'caregiver'],
    ['/emergency', 'emergency'],
    ['/verify', 'verify'],
    ['/patients', 'not-found'],
    ['/admin', 'not-found']
  ])('%s → %s', (path, route) => {
    expect(routeOf(path)).toBe(route)
  })
})

describe('patient screens', () => {
  it.each([
    ['/patient', 'home'],
    ['/patient/', 'home'],
    ['/patient/timeline', 'timeline'],
    ['/patient/record', 'record'],
    ['/patient/vitals', 'vitals'],
    ['/patient/sharing', 'sharing'],
    ['/patient/devices', 'devices'],
    ['/patient/settings', 'settings'],
    ['/patient/settings/', 'settings'],
    ['/patient/home', undefined],
    ['/patient/nowhere', undefined],
    ['/patient/vitals/extra', undefined],
    ['/doctor/vitals', undefined]
  ])('%s → %s', (path, screen) => {
    expect(patientScreenOf(path)).toBe(screen)
  })

  it('links each screen to a path that leads back to it', () => {
    expect(PATIENT_SCREENS).toHaveLength(7)
    for (const s of PATIENT_SCREENS) {
      expect(patientScreenOf(patientPath(s))).toBe(s)
      expect(routeOf(patientPath(s))).toBe('patient')
    }
    expect(patientPath('home')).toBe('/patient')
  })

  it('gives other routes sub-routes the same way', () => {
    expect(subRouteOf('/doctor/patients', 'doctor', ['list', 'patients'], 'list')).toBe('patients')
    expect(subRouteOf('/doctor', 'doctor', ['list', 'patients'], 'list')).toBe('list')
    expect(subRouteOf('/patient/patients', 'doctor', ['list', 'patients'], 'list')).toBeUndefined()
  })
})
