/**
 * The record's sections and the vitals charts in a real Chromium, on the demo patient:
 * add an allergy by searching the shipped codes (keyboard only), add a condition in the
 * patient's own words (no code), edit a medicine (a new version), upload a small PDF (it
 * is encrypted into IndexedDB in chunks) and preview it decrypted, type in a blood pressure
 * and see it in the chart's summary; after a reload everything is there again.
 */
import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest'
import type { Browser, Locator } from 'playwright-core'
import { launchChromium, newContext, watchPageErrors } from '../helpers/browser.ts'
import { screenshot } from '../helpers/screenshots.ts'
import { openPatientScreen } from '../helpers/patient-screens.ts'

const baseUrl = inject('baseUrl')
let browser: Browser
beforeAll(async () => {
  browser = await launchChromium()
})
afterAll(async () => {
  await browser.close()
})

/** A small but well-formed one-page PDF. */
function tinyPdf(): Buffer {
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    '<< /Length 44 >>\nstream\nBT /F1 18 Tf 20 40 Td (Discharge) Tj ET\nendstream',
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>'
  ]
  let body = '%PDF-1.4\n'
  const offsets: number[] = []
  objects.forEach((o, i) => {
    offsets.push(body.length)
    body += `${i + 1} 0 obj\n${o}\nendobj\n`
  })
  const xref = body.length
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`
  return Buffer.from(body, 'latin1')
}

const entries = (section: Locator): Promise<string[]> => section.getByTestId('entry').allTextContents()

describe('record sections and vitals charts', () => {
  it('adds, edits, uploads and charts, and all of it is there after a reload', async () => {
    const context = await newContext(browser)
    const page = await context.newPage()
    const errors = watchPageErrors(page)
    await page.goto(`${baseUrl}/patient`)
    await page.getByRole('button', { name: 'Try with a demo patient' }).click()
    const allergies = page.getByTestId('section-allergy')
    await expect.poll(() => allergies.count(), { timeout: 60_000 }).toBe(1)

    // an allergy from the code list, by keyboard: type, arrow down, Enter
    await openPatientScreen(page, 'record')
    await allergies.getByRole('button', { name: 'Add an allergy' }).click()
    const substance = allergies.getByRole('combobox', { name: 'What are you allergic to?' })
    await substance.pressSequentially('pean')
    await expect.poll(() => allergies.getByRole('option').first().textContent()).toContain('Allergy to peanuts')
    await substance.press('ArrowDown')
    await substance.press('Enter')
    expect(await allergies.getByTestId('code-picked').textContent()).toContain('91935009')
    await allergies.getByLabel('How serious').selectOption('high')
    await allergies.getByRole('button', { name: 'Save', exact: true }).click()
    await expect.poll(() => entries(allergies)).toEqual(expect.arrayContaining([expect.stringContaining('Allergy to peanuts')]))

    // a condition in one's own words: an empty form is refused field by field first
    const conditions = page.getByTestId('section-condition')
    await conditions.getByRole('button', { name: 'Add a condition' }).click()
    await conditions.getByRole('button', { name: 'Save', exact: true }).click()
    const field = conditions.getByRole('combobox', { name: 'Condition' })
    await expect.poll(() => field.getAttribute('aria-invalid')).toBe('true')
    const describedBy = (await field.getAttribute('aria-describedby')) ?? ''
    expect(await conditions.locator(`#${describedBy.split(' ')[0] ?? ''}`).textContent()).toContain('This is needed.')
    await field.fill('Pain in my left knee')
    await conditions.getByLabel('Since (optional)').fill('2025-11-02')
    await conditions.getByRole('button', { name: 'Save', exact: true }).click()
    await expect.poll(() => entries(conditions)).toEqual(expect.arrayContaining([expect.stringContaining('Pain in my left knee')]))

    // edit a medicine of the demo record: a new version
    const meds = page.getByTestId('section-medication')
    const firstMed = ((await meds.getByTestId('entry-title').first().textContent()) ?? '').trim()
    expect(firstMed.length).toBeGreaterThan(2)
    await meds.getByRole('button', { name: `Edit ${firstMed}` }).click()
    await meds.getByLabel('How you take it (optional)').fill('1 tablet at night with water')
    await meds.getByRole('button', { name: 'Save the changes' }).click()
    await expect.poll(() => meds.getByTestId('section-status').textContent()).toContain('Saved a new version')
    await expect.poll(() => entries(meds)).toEqual(expect.arrayContaining([expect.stringContaining('1 tablet at night with water')]))

    // a PDF, encrypted in chunks, then previewed decrypted
    const docs = page.getByTestId('section-document')
    await docs.getByRole('button', { name: 'Add a document' }).click()
    const pdf = tinyPdf()
    await docs.getByLabel('File').setInputFiles({ name: 'discharge.pdf', mimeType: 'application/pdf', buffer: pdf })
    await docs.getByLabel('Title').fill('Discharge letter')
    await docs.getByRole('button', { name: 'Save', exact: true }).click()
    await expect.poll(() => entries(docs), { timeout: 20_000 }).toEqual(expect.arrayContaining([expect.stringContaining('Discharge letter')]))
    await docs.getByRole('button', { name: 'Show Discharge letter' }).click()
    const preview = docs.getByTestId('document-preview')
    await expect.poll(() => preview.count()).toBe(1)
    const src = (await preview.locator('iframe').getAttribute('src')) ?? ''
    expect(src).toMatch(/^blob:/)
    // the decrypted copy is the very file uploaded
    const [download] = await Promise.all([page.waitForEvent('download'), preview.getByTestId('document-download').click()])
    const chunks: Buffer[] = []
    for await (const c of (await download.createReadStream()) as AsyncIterable<Buffer>) chunks.push(c)
    expect(Buffer.concat(chunks).equals(pdf)).toBe(true)

    // a blood pressure typed in, seen in the chart
    await openPatientScreen(page, 'vitals')
    const vitals = page.getByTestId('vitals-charts')
    await vitals.getByLabel('Measure', { exact: true }).selectOption('blood-pressure')
    await vitals.getByLabel('Upper number (systolic) (mmHg)').fill('141')
    await vitals.getByLabel('Lower number (diastolic) (mmHg)').fill('93')
    await vitals.getByRole('button', { name: 'Add the reading' }).click()
    await expect.poll(() => vitals.getByTestId('vitals-summary').textContent(), { timeout: 20_000 }).toMatch(/Systolic blood pressure, readings in this period: \d+;.*latest 141 mmHg/)
    expect(await vitals.getByTestId('vitals-summary').textContent()).toMatch(/Diastolic blood pressure, readings in this period: \d+;.*latest 93 mmHg/)
    expect(await vitals.getByTestId('vitals-plot').locator('canvas').count()).toBeGreaterThan(0)
    await screenshot(page, 'record-forms-1280')

    // after a reload, everything is read back from the encrypted store
    await page.reload()
    await expect.poll(() => page.getByTestId('section-allergy').count(), { timeout: 30_000 }).toBe(1)
    expect(await entries(page.getByTestId('section-allergy'))).toEqual(expect.arrayContaining([expect.stringContaining('Allergy to peanuts')]))
    expect(await entries(page.getByTestId('section-condition'))).toEqual(expect.arrayContaining([expect.stringContaining('Pain in my left knee')]))
    expect(await entries(page.getByTestId('section-medication'))).toEqual(expect.arrayContaining([expect.stringContaining('1 tablet at night with water')]))
    expect(await entries(page.getByTestId('section-document'))).toEqual(expect.arrayContaining([expect.stringContaining('Discharge letter')]))
    const charts = page.getByTestId('vitals-charts')
    await charts.getByRole('button', { name: 'Blood pressure', exact: true }).click()
    await expect.poll(() => charts.getByTestId('vitals-summary').textContent(), { timeout: 20_000 }).toMatch(/latest 141 mmHg/)
    // zoom: one day, then ten years, each read again
    await charts.getByRole('button', { name: '1 day' }).click()
    await expect.poll(() => charts.getByTestId('vitals-summary').textContent()).toMatch(/Systolic blood pressure, readings in this period: 1;/)
    await charts.getByRole('button', { name: '10 years' }).click()
    await expect.poll(() => charts.getByTestId('vitals-summary').textContent()).toMatch(/latest 141 mmHg/)
    expect(errors).toEqual([])
    await context.close()
  }, 120_000)
})
