import { configureLocalization } from '@lit/localize'
import { sourceLocale, targetLocales } from './locales/locale-codes.ts'

/**
 * Runtime localization: English is built in; Uzbek (Latin) and Russian are loaded on
 * demand from the modules that `lit-localize build` writes from xliff/.
 */
export const { getLocale, setLocale } = configureLocalization({
  sourceLocale,
  targetLocales,
  loadLocale: (locale) => {
    switch (locale) {
      case 'uz-Latn':
        return import('./locales/uz-Latn.ts')
      case 'ru':
        return import('./locales/ru.ts')
      default:
        return Promise.reject(new Error(`no translation for locale ${locale}`))
    }
  }
})

/** Each language's name in itself, for the switcher. */
export const LOCALE_NAMES: Record<string, string> = {
  en: 'English',
  'uz-Latn': 'Oʻzbekcha',
  ru: 'Русский'
}
