import { describe, it, expect } from 'vitest'
import { initialLocale, rememberLocale, isLocale } from '../../src/app/index.ts'

function memoryStorage(): Storage {
  const m = new Map<string, string>()
  return {
    getItem: (k) => m.get(k) ?? null,
    setItem: (k, v) => void m.set(k, v),
    removeItem: (k) => void m.delete(k),
    clear: () => m.clear(),
    key: (i) => [...m.keys()][i] ?? null,
    get length() {
      return m.size
    }
  }
}

describe('language choice', () => {
  it('remembers the chosen language over the browser’s', () => {
    const s = memoryStorage()
    rememberLocale(s, 'ru')
    expect(initialLocale(s, ['en-US'])).toBe('ru')
  })

  it('takes the first browser language it speaks; Uzbek in any script or region is uz-Latn', () => {
    const s = memoryStorage()
    expect(initialLocale(s, ['de-DE', 'uz-Cyrl-UZ', 'ru'])).toBe('uz-Latn')
    expect(initialLocale(s, ['fr', 'ru-RU'])).toBe('ru')
    expect(initialLocale(s, ['fr', 'de'])).toBe('en')
  })

  it('ignores a remembered value that is not a UI language', () => {
    const s = memoryStorage()
    s.setItem('phr.locale', 'xx')
    expect(initialLocale(s, ['ru'])).toBe('ru')
    expect(isLocale('xx')).toBe(false)
    expect(isLocale('uz-Latn')).toBe(true)
  })
})
