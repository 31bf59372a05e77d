/**
 * End-to-end tests open a screen of the patient's app the way a person does: by its link in
 * the screens' navigation (bottom tab bar on a phone, tabs at the top on a wide screen).
 */
import type { Page } from 'playwright-core'

/** The patient's screens (src/ui/router.ts `PatientScreen`). */
export type PatientScreenName = 'home' | 'timeline' | 'record' | 'vitals' | 'sharing' | 'devices' | 'settings'

/**
 * Clicks the screen's link in the patient's navigation and waits until it is the current
 * page and the screen is shown.
 * @example await openPatientScreen(page, 'sharing')
 */
export async function openPatientScreen(page: Page, screen: PatientScreenName, timeout = 30_000): Promise<void> {
  const link = page.locator(`phr-patient-nav a[data-screen="${screen}"]`)
  await link.click({ timeout })
  await page.locator(`phr-patient-nav a[data-screen="${screen}"][aria-current="page"]`).waitFor({ timeout })
  await page.locator(`phr-patient-view .screen[data-screen="${screen}"]:not([hidden])`).waitFor({ timeout })
}
