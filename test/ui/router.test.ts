import { describe, it, expect } from 'vitest'
import { routeOf } from '../../src/ui/router.ts'

describe('routeOf', () => {
  it.each([
    ['/', 'home'],
    ['/patient', 'patient'],
    ['/patient/timeline', 'patient'],
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
