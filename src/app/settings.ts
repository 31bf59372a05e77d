/** The languages of the UI: English, Uzbek (Latin script) and Russian. */
export const LOCALES = ['en', 'uz-Latn', 'ru'] as const
export type Locale = (typeof LOCALES)[number]

const KEY = 'phr.locale'

/** True when `value` is one of the UI languages. */
export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value)
}

/**
 * The language to start in: the remembered choice, else the browser's first language we
 * speak (Uzbek in any script or region → uz-Latn), else English.
 */
export function initialLocale(storage: Pick<Storage, 'getItem'>, languages: readonly string[]): Locale {
  const saved = storage.getItem(KEY)
  if (isLocale(saved)) return saved
  for (const lang of languages) {
    const base = lang.toLowerCase().split('-')[0]
    if (base === 'uz') return 'uz-Latn'
    if (base === 'ru') return 'ru'
    if (base === 'en') return 'en'
  }
  return 'en'
}

/** Remembers the chosen language on this device. */
export function rememberLocale(storage: Pick<Storage, 'setItem'>, locale: Locale): void {
  storage.setItem(KEY, locale)
}
