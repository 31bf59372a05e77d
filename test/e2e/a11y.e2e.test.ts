/**
 * Accessibility of every screen of both apps, in a real Chromium against the real
 * `npm start`: axe-core (WCAG 2.0/2.1 A and AA, and best practices) finds no violation on
 * any screen at phone (390 × 844) and desktop (1280 × 800) width, in English and on one
 * screen each in Russian and Uzbek; the main flows work with the keyboard alone, and the
 * element holding the focus always shows it. A screenshot of each screen at each width is
 * saved as `screenshots/a11y-<screen>-<phone|desktop>.png`.
 *
 * One browser; one context holds the demo record (made once) and the doctor's and the
 * caregiver's profiles, and is resized between the two widths; a second context makes one's
 * own record (its recovery phrase, the check, the lock).
 */
import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { launchChromium, newContext, watchPageErrors } from '../helpers/browser.ts'
import { screenshot, screenshotOf } from '../helpers/screenshots.ts'
import { axeViolations, expectNoAxeViolations } from '../helpers/a11y.ts'
import { openPatientScreen, type PatientScreenName } from '../helpers/patient-screens.ts'

/** The screens of the patient app once a record is open, each checked at both widths. */
const PATIENT_SCREENS: ReadonlyArray<{ screen: PatientScreenName; name: string; parts?: Parts }> = [
  { screen: 'home', name: 'patient-home', parts: { 'patient-home': 'viewport' } },
  { screen: 'timeline', name: 'patient-timeline', parts: { 'patient-timeline': 'viewport' } },
  { screen: 'record', name: 'patient-record', parts: { 'patient-record': 'viewport' } },
  { screen: 'vitals', name: 'patient-vitals', parts: { 'patient-vitals': 'viewport' } },
  { screen: 'sharing', name: 'patient-sharing' },
  { screen: 'devices', name: 'patient-devices' },
  { screen: 'settings', name: 'patient-settings' }
]

/**
 * Forms and panels opened on the open record, each checked at both widths, then closed. The
 * page around them was checked whole just before, so axe looks only inside the component
 * that changed (`within`: its shadow hosts from the document down), and a full-page
 * screenshot (seconds each on the long record) is kept only for some.
 */
/** Pictures of parts of a long screen, by name: an element's selector, or the viewport at the top. */
type Parts = Record<string, string>

const RECORD = ['phr-app', 'phr-patient-view']
const section = (s: string): string[] => [...RECORD, 'phr-record-sections', `phr-record-section[section="${s}"]`]
const PATIENT_FORMS: ReadonlyArray<{ screen: PatientScreenName; name: string; open: string; close?: string; within?: string[]; screenshots?: boolean; parts?: Parts }> = [
  { screen: 'record', name: 'form-allergy', open: 'Add an allergy', close: 'Cancel', within: section('allergy') },
  { screen: 'record', name: 'form-condition', open: 'Add a condition', close: 'Cancel', within: section('condition') },
  { screen: 'record', name: 'form-medicine', open: 'Add a medicine', close: 'Cancel', within: section('medication') },
  { screen: 'record', name: 'form-vaccination', open: 'Add a vaccination', close: 'Cancel', within: section('immunization') },
  { screen: 'record', name: 'form-lab-result', open: 'Add a lab result', close: 'Cancel', within: section('lab') },
  { screen: 'record', name: 'form-document', open: 'Add a document', close: 'Cancel', within: section('document') },
  { screen: 'sharing', name: 'share-visit', open: 'Share for a visit', close: 'Cancel', within: [...RECORD, 'phr-share-visit'], parts: { 'patient-sharing': 'phr-share-visit' } },
  { screen: 'sharing', name: 'share-caregiver', open: 'Add a family member as caregiver', close: 'Cancel', within: [...RECORD, 'phr-share-visit'] },
  // the printable summary covers the whole page: checked whole
  { screen: 'settings', name: 'printable-summary', open: 'Printable summary', close: 'Close the summary', screenshots: true }
]

const WIDTHS = [
  { width: 390, height: 844, label: 'phone' },
  { width: 1280, height: 800, label: 'desktop' }
] as const

const baseUrl = inject('baseUrl')
let browser: Browser

beforeAll(async () => {
  browser = await launchChromium()
})
afterAll(async () => {
  await browser.close()
})

const h1 = (page: Page) => page.getByRole('heading', { level: 1 })

/**
 * Checks the screen as it stands at both widths: axe finds nothing, and a screenshot is
 * saved. Soft: every screen is checked and every finding listed before the test fails.
 */
async function checkScreen(page: Page, name: string, opts: { screenshots?: boolean; within?: string[]; parts?: Parts; phoneOnly?: boolean } = {}): Promise<void> {
  for (const w of opts.phoneOnly === true ? WIDTHS.slice(0, 1) : WIDTHS) {
    await page.setViewportSize({ width: w.width, height: w.height })
    await expect.soft(expectNoAxeViolations(page, `${name} (${w.label})`, { within: opts.within })).resolves.toBeUndefined()
    if (opts.screenshots !== false) await screenshot(page, `a11y-${name}-${w.label}`)
    for (const [part, selector] of Object.entries(opts.parts ?? {})) {
      if (selector === 'viewport') {
        await page.evaluate(() => window.scrollTo(0, 0))
        await screenshotOf(page, `a11y-${part}-${w.label}`)
      } else {
        await screenshotOf(page.locator(selector).first(), `a11y-${part}-${w.label}`)
      }
    }
  }
}

/** What holds the keyboard focus, looking into shadow roots, and how its focus is drawn. */
interface Focused {
  tag: string
  name: string
  /** Its `data-testid`, or empty. */
  testid: string
  /** Its `aria-posinset` (timeline entries), or 0. */
  pos: number
  /** A visible focus indicator: an outline of at least 2 px, or a box shadow. */
  indicated: boolean
  /** The document's own active element is the body: nothing has the focus. */
  none: boolean
}

async function focused(page: Page): Promise<Focused> {
  return page.evaluate(() => {
    let el: Element | null = document.activeElement
    while ((el?.shadowRoot?.activeElement ?? null) !== null) el = el?.shadowRoot?.activeElement ?? null
    if (el === null || el === document.body) return { tag: 'body', name: '', testid: '', pos: 0, indicated: false, none: true }
    const cs = getComputedStyle(el)
    const outline = cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2
    const shadow = cs.boxShadow !== 'none' && cs.boxShadow !== ''
    const name = (el.getAttribute('aria-label') ?? (el as HTMLElement).innerText ?? el.getAttribute('id') ?? '').trim().replace(/\s+/g, ' ').slice(0, 80)
    return {
      tag: el.tagName.toLowerCase(),
      name: name === '' ? (el.getAttribute('id') ?? '') : name,
      testid: el.getAttribute('data-testid') ?? '',
      pos: Number(el.getAttribute('aria-posinset') ?? 0),
      indicated: outline || shadow,
      none: false
    }
  })
}

/**
 * Presses Tab (or Shift+Tab) until the focused element's text or label matches (or the test
 * says so), at most `max` times; fails if it is never reached, or reached without a visible
 * focus indicator.
 */
async function tabTo(page: Page, target: RegExp | ((f: Focused) => boolean), opts: { back?: boolean; max?: number } = {}): Promise<Focused> {
  const hit = typeof target === 'function' ? target : (f: Focused) => target.test(f.name)
  for (let i = 0; i < (opts.max ?? 120); i++) {
    await page.keyboard.press(opts.back === true ? 'Shift+Tab' : 'Tab')
    const f = await focused(page)
    if (hit(f)) {
      expect(f.indicated, `${f.tag} “${f.name}” shows its focus`).toBe(true)
      return f
    }
  }
  throw new Error(`${String(target)} was not reached with the keyboard`)
}

/**
 * The labels of the patient's screen navigation that break inside a word, where no space or
 * soft hyphen allows it (the bar's `overflow-wrap: anywhere` breaks a word too long for its
 * tab anywhere, with no hyphen): each as `label: “what ends its first line”`. Read from where
 * the characters are drawn.
 */
async function labelsBrokenMidWord(page: Page): Promise<string[]> {
  return page.locator('phr-patient-nav').evaluate((nav) => {
    const broken: string[] = []
    for (const span of nav.shadowRoot?.querySelectorAll('a span') ?? []) {
      const node = span.firstChild
      const text = node?.textContent ?? ''
      if (node === null) continue
      const range = document.createRange()
      let lastTop: number | undefined
      for (let i = 0; i < text.length; i++) {
        if (/[\s\u00ad]/.test(text[i] ?? '')) continue
        range.setStart(node, i)
        range.setEnd(node, i + 1)
        // the first character after a break can also report an empty box at the end of the line before
        const rects = [...range.getClientRects()].filter((r) => r.width > 0)
        const top = rects[rects.length - 1]?.top ?? 0
        if (lastTop !== undefined && top > lastTop + 1 && !/[\s\u00ad]/.test(text[i - 1] ?? '')) broken.push(`${text.replace(/\u00ad/g, '')}: “${text.slice(0, i).replace(/\u00ad/g, '')}”`)
        lastTop = top
      }
    }
    return broken
  })
}

/** Starts keyboard navigation from the top of the page, as after a page load. */
async function fromTop(page: Page): Promise<void> {
  await page.evaluate(() => {
    let el: Element | null = document.activeElement
    while ((el?.shadowRoot?.activeElement ?? null) !== null) el = el?.shadowRoot?.activeElement ?? null
    ;(el as HTMLElement | null)?.blur()
    window.scrollTo(0, 0)
  })
}

/**
 * Walks the whole page with Tab, from the top, and returns every focused element that shows
 * no focus indicator (empty when each one does), and how many elements were reached.
 */
async function unindicatedFocus(page: Page, max = 400): Promise<{ reached: number; missing: string[] }> {
  await fromTop(page)
  const missing: string[] = []
  let reached = 0
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab')
    const f = await focused(page)
    if (f.none) break
    reached++
    if (!f.indicated) missing.push(`${f.tag} “${f.name}”`)
  }
  return { reached, missing: [...new Set(missing)] }
}

describe('the accessibility check itself', () => {
  it('finds an image without a text alternative inside a Lit-style shadow root, and nothing once it has one', async () => {
    const context = await newContext(browser)
    let page = await context.newPage()
    const fixture = (alt: string | undefined): string => `<!doctype html><html lang="en"><head><title>fixture</title></head><body>
      <main><h1>Fixture</h1><test-card></test-card></main>
      <script>
        customElements.define('test-card', class extends HTMLElement {
          constructor() {
            super()
            const root = this.attachShadow({ mode: 'open' })
            const img = document.createElement('img')
            img.src = 'data:image/gif;base64,R0lGODlhAQABAAAAACw='
            ${alt === undefined ? '' : `img.alt = ${JSON.stringify(alt)}`}
            root.append(img)
          }
        })
      </script></body></html>`
    await page.setContent(fixture(undefined))
    const found = await axeViolations(page)
    expect(found.map((f) => f.rule)).toEqual(['image-alt'])
    // the failing element is named through the shadow root it lives in
    expect(found[0]?.targets).toEqual(['test-card >>> img'])
    await expect(expectNoAxeViolations(page, 'fixture')).rejects.toThrow(/image-alt \(critical\).*\n\s+test-card >>> img/)

    await page.close()
    page = await context.newPage()
    await page.setContent(fixture('A red dot'))
    expect(await axeViolations(page)).toEqual([])
    await context.close()
  })
})

describe('every screen has no axe violation, at phone and desktop width', { timeout: 240_000 }, () => {
  let context: BrowserContext
  let page: Page
  let errors: string[]
  beforeAll(async () => {
    context = await newContext(browser)
    page = await context.newPage()
    errors = watchPageErrors(page)
  })
  afterAll(async () => {
    await context.close()
  })

  it('start page, page not found, emergency, pharmacy', async () => {
    await page.goto(`${baseUrl}/`)
    await expect.poll(() => h1(page).textContent()).toBe('Your health record, on your own devices')
    await checkScreen(page, 'start')

    await page.goto(`${baseUrl}/no-such-page`)
    await expect.poll(() => h1(page).textContent()).toBe('Page not found')
    await checkScreen(page, 'not-found')

    await page.goto(`${baseUrl}/emergency`)
    await expect.poll(() => h1(page).textContent()).toBe('No emergency link opened')
    await checkScreen(page, 'emergency-none')
    await page.goto(`${baseUrl}/emergency#not-a-summary`)
    await expect.poll(() => h1(page).textContent()).toBe('This emergency link cannot be read')
    await checkScreen(page, 'emergency-unreadable')

    await page.goto(`${baseUrl}/verify`)
    await expect.poll(() => h1(page).textContent()).toBe('Verify a prescription')
    await checkScreen(page, 'verify')
    await page.getByLabel('Or paste the prescription text').fill('phr-rx:this-is-not-a-prescription')
    await page.getByRole('button', { name: 'Check the prescription' }).click()
    await expect.poll(() => page.getByTestId('rx-result').count()).toBe(1)
    await checkScreen(page, 'verify-refused')
  })

  it('the doctor app: no profile, then an empty patient list', async () => {
    await page.goto(`${baseUrl}/doctor`)
    await expect.poll(() => h1(page).textContent()).toBe('No practitioner profile on this device yet')
    await checkScreen(page, 'doctor-new')
    await page.getByLabel('Your name as patients should see it').fill('Dr Nodira Karimova')
    await page.getByLabel('Passphrase for this device').fill('doctor passphrase')
    await page.getByLabel('The passphrase again').fill('doctor passphrase')
    await page.getByRole('button', { name: 'Create my practitioner profile' }).click()
    await expect.poll(() => h1(page).textContent(), { timeout: 30_000 }).toBe('Dr Nodira Karimova')
    await expect.poll(() => page.getByTestId('patient-list-empty').count()).toBe(1)
    await checkScreen(page, 'doctor-home')
  })

  it('the caregiver app: no profile, then the profile waiting for a code', async () => {
    await page.goto(`${baseUrl}/caregiver`)
    await expect.poll(() => h1(page).textContent()).toBe('Look after someone')
    await checkScreen(page, 'caregiver-new')
    await page.getByLabel('Your name as they know you').fill('Aziza Karimova')
    await page.getByLabel('Passphrase for this device').fill('caregiver passphrase')
    await page.getByLabel('The passphrase again').fill('caregiver passphrase')
    await page.getByRole('button', { name: 'Create my caregiver profile' }).click()
    await expect.poll(() => h1(page).textContent(), { timeout: 30_000 }).toBe('Aziza Karimova')
    await checkScreen(page, 'caregiver-home')
  })

  it('the patient app with no record, and its first steps', async () => {
    await page.goto(`${baseUrl}/patient`)
    await expect.poll(() => h1(page).textContent()).toBe('No record on this device yet')
    await checkScreen(page, 'patient-empty')
    const walk = await unindicatedFocus(page)
    expect(walk.reached).toBeGreaterThan(8)
    expect(walk.missing).toEqual([])
    await page.getByRole('button', { name: 'I already have a record on another device' }).click()
    await expect.poll(() => page.locator('phr-link-join').count()).toBe(1)
    await checkScreen(page, 'patient-join')
    await page.getByRole('button', { name: 'Cancel' }).click()
    await page.getByRole('button', { name: 'Restore from my recovery phrase' }).click()
    await expect.poll(() => page.locator('phr-restore-phrase').count()).toBe(1)
    await checkScreen(page, 'patient-restore')
    await page.getByRole('button', { name: 'Back' }).click()
    await expect.poll(() => h1(page).textContent()).toBe('No record on this device yet')
  })

  it('the demo record, opened with the keyboard: every screen, and the emergency card it makes', async () => {
    await page.goto(`${baseUrl}/patient`)
    await expect.poll(() => h1(page).textContent()).toBe('No record on this device yet')
    await fromTop(page)
    await tabTo(page, /^Try with a demo patient$/)
    await page.keyboard.press('Enter')
    await expect.poll(() => page.getByRole('heading', { name: 'Allergies' }).count(), { timeout: 90_000 }).toBe(1)
    await expect.poll(() => page.getByTestId('insight').count(), { timeout: 30_000 }).toBeGreaterThan(0)
    for (const s of PATIENT_SCREENS) {
      await openPatientScreen(page, s.screen)
      await checkScreen(page, s.name, { parts: s.parts })
    }
    await openPatientScreen(page, 'sharing')
    // the emergency card made from the demo record
    await page.getByRole('button', { name: 'Make my emergency QR code' }).click()
    const link = (await page.getByTestId('emergency-link').inputValue()).trim()
    const card = await context.newPage()
    await card.goto(link)
    await expect.poll(() => card.getByTestId('emergency-card').count(), { timeout: 30_000 }).toBe(1)
    await checkScreen(card, 'emergency-card')
    await card.close()
  })

  it('the demo record: every form and panel opened', async () => {
    // a form's inside looks the same at both widths (the screens around them were checked at both)
    for (const f of PATIENT_FORMS) {
      await openPatientScreen(page, f.screen)
      await page.getByRole('button', { name: f.open, exact: true }).click()
      await checkScreen(page, f.name, { screenshots: f.screenshots === true, within: f.within, parts: f.parts, phoneOnly: true })
      if (f.close !== undefined) await page.getByRole('button', { name: f.close, exact: true }).first().click()
    }
  })

  it('the demo record works with the keyboard alone, and always shows where the focus is', async () => {
    await page.goto(`${baseUrl}/patient`)
    await expect.poll(() => page.getByRole('heading', { name: 'Allergies' }).count(), { timeout: 30_000 }).toBe(1)
    // the record opening on a page load takes no focus
    expect((await focused(page)).none).toBe(true)

    // a screen chosen in the navigation with the keyboard: the focus moves to its heading, whose
    // text is the screen's name (a screen reader says where the person is); back and forward too
    await fromTop(page)
    await tabTo(page, (f) => f.tag === 'a' && f.name === 'Vitals')
    await page.keyboard.press('Enter')
    await expect.poll(() => focused(page)).toMatchObject({ tag: 'h1', name: 'Vitals' })
    await expect.poll(() => page.evaluate(() => location.pathname)).toBe('/patient/vitals')
    await page.goBack()
    const home = ((await page.locator('phr-patient-view .screen[data-screen=home] h1').innerText()) ?? '').trim().replace(/\s+/g, ' ')
    // the home screen's heading is the record's name (with its demo badge)
    expect(home).toMatch(/.Demo$/)
    await expect.poll(() => focused(page)).toMatchObject({ tag: 'h1', name: home })
    await page.goForward()
    await expect.poll(() => focused(page)).toMatchObject({ tag: 'h1', name: 'Vitals' })
    // the heading takes the focus without joining the Tab order
    expect(await page.locator('phr-patient-view .screen h1').evaluateAll((hs) => hs.map((h) => h.getAttribute('tabindex')))).toEqual(Array(7).fill('-1'))

    // every element Tab reaches on every screen draws a focus indicator
    let reached = 0
    const missing: string[] = []
    for (const s of PATIENT_SCREENS) {
      await openPatientScreen(page, s.screen)
      const walk = await unindicatedFocus(page)
      reached += walk.reached
      missing.push(...walk.missing.map((m) => `${s.screen}: ${m}`))
    }
    expect(reached).toBeGreaterThan(60)
    expect(missing).toEqual([])

    // an allergy, typed and sent with Enter
    await openPatientScreen(page, 'record')
    await fromTop(page)
    await tabTo(page, (f) => f.tag === 'input' && f.name === 'allergy')
    await page.keyboard.type('Latex (typed)')
    await page.keyboard.press('Enter')
    await expect.poll(() => page.locator('phr-record-summary section[aria-labelledby=allergies] li').allTextContents()).toContain('Latex (typed)')

    // a record section's form: Space opens it with the focus in its first field; Escape closes
    // the list of names, a second Escape the form, and the focus is back on its button
    await fromTop(page)
    await tabTo(page, /^Add a condition$/)
    await page.keyboard.press('Space')
    await expect.poll(async () => (await focused(page)).tag).toBe('input')
    await page.keyboard.type('Asth')
    const combo = page.getByTestId('section-condition').locator('input[role=combobox]')
    await expect.poll(() => combo.getAttribute('aria-expanded')).toBe('true')
    await page.keyboard.press('Escape')
    await expect.poll(() => combo.getAttribute('aria-expanded')).toBe('false')
    expect(await combo.count()).toBe(1)
    await page.keyboard.press('Escape')
    await expect.poll(() => combo.count()).toBe(0)
    await expect.poll(async () => (await focused(page)).name).toBe('Add a condition')
    // again, and saved: a name picked from the list with the arrow keys and Enter, then Save
    await page.keyboard.press('Enter')
    await expect.poll(async () => (await focused(page)).tag).toBe('input')
    await page.keyboard.type('Migr')
    await expect.poll(() => combo.getAttribute('aria-expanded')).toBe('true')
    await page.keyboard.press('ArrowDown')
    await page.keyboard.press('Enter')
    const picked = await combo.inputValue()
    expect(picked).toMatch(/migraine/i)
    await tabTo(page, /^Save$/)
    await page.keyboard.press('Enter')
    await expect.poll(() => page.getByTestId('section-condition').getByTestId('entry-title').allTextContents()).toContain(picked)
    await expect.poll(async () => (await focused(page)).name).toBe('Add a condition')

    // the timeline: Tab reaches its newest entry; the arrow keys, End, Home and Page Down move
    await openPatientScreen(page, 'timeline')
    await fromTop(page)
    const first = await tabTo(page, (f) => f.tag === 'article', { max: 300 })
    expect(first.pos).toBe(1)
    await page.keyboard.press('ArrowDown')
    await expect.poll(async () => (await focused(page)).pos).toBe(2)
    const total = Number((await page.locator('phr-timeline').getByRole('article').first().getAttribute('aria-setsize')) ?? 0)
    expect(total).toBeGreaterThan(100)
    await page.keyboard.press('End')
    await expect.poll(async () => (await focused(page)).pos).toBe(total)
    await page.keyboard.press('Home')
    await expect.poll(async () => (await focused(page)).pos).toBe(1)
    await page.keyboard.press('PageDown')
    await expect.poll(async () => (await focused(page)).pos).toBeGreaterThan(2)
    // Shift+Tab leaves the feed backwards, to the search field above it
    await page.keyboard.press('Shift+Tab')
    expect((await focused(page)).name).toBe('tl-q')
  })

  it('Russian and Uzbek, chosen with the keyboard', async () => {
    await page.goto(`${baseUrl}/patient`)
    await expect.poll(() => page.getByRole('heading', { name: 'Allergies' }).count(), { timeout: 30_000 }).toBe(1)
    // on a phone the navigation's labels break only between words or syllables (a soft hyphen
    // in a translation marks where a long one may break)
    await page.setViewportSize({ width: 390, height: 844 })
    expect(await labelsBrokenMidWord(page)).toEqual([])
    // the language picker: reached with Tab, changed with the arrow keys (en → uz-Latn → ru)
    await fromTop(page)
    await tabTo(page, (f) => f.testid === 'language')
    await page.keyboard.press('ArrowDown')
    await expect.poll(() => page.evaluate(() => document.documentElement.lang)).toBe('uz-Latn')
    // every screen of the record in Uzbek, on a phone: the longest labels in the narrowest
    // layout; a screen opened with a click also moves the focus to its heading, in Uzbek
    const uzNames: string[] = []
    for (const s of PATIENT_SCREENS) {
      await openPatientScreen(page, s.screen)
      await checkScreen(page, `${s.name}-uz`, { phoneOnly: true, screenshots: false, parts: { [`${s.name}-uz`]: 'viewport' } })
      if (s.screen !== 'home') {
        const f = await focused(page)
        expect(f.tag).toBe('h1')
        uzNames.push(f.name.replace(/\u00ad/g, ''))
      }
      // the current tab's label is bold, and wider
      expect(await labelsBrokenMidWord(page)).toEqual([])
    }
    expect(uzNames).toEqual(['Xronologiya', 'Karta', 'Koʻrsatkichlar', 'Ulashish', 'Qurilmalar', 'Sozlamalar'])
    await openPatientScreen(page, 'home')
    await fromTop(page)
    await tabTo(page, (f) => f.testid === 'language')
    await page.keyboard.press('ArrowDown')
    await expect.poll(() => page.getByRole('heading', { name: 'Аллергии' }).count()).toBe(1)
    await checkScreen(page, 'patient-record-ru')
    await page.setViewportSize({ width: 390, height: 844 })
    for (const screen of ['timeline', 'vitals', 'devices', 'settings'] as const) {
      await openPatientScreen(page, screen)
      expect(await labelsBrokenMidWord(page)).toEqual([])
    }
    // after a page load the doctor's profile is locked again: its unlock screen, in Uzbek
    await page.goto(`${baseUrl}/doctor`)
    await expect.poll(() => h1(page).textContent()).toBe('На этом устройстве хранится профиль врача')
    await fromTop(page)
    await tabTo(page, (f) => f.testid === 'language')
    await page.keyboard.press('ArrowUp')
    await expect.poll(() => page.evaluate(() => document.documentElement.lang)).toBe('uz-Latn')
    await checkScreen(page, 'doctor-locked-uz')
    await page.goto(`${baseUrl}/`)
    await expect.poll(() => h1(page).textContent()).not.toBe('Your health record, on your own devices')
    await checkScreen(page, 'start-uz')
    await fromTop(page)
    await tabTo(page, (f) => f.testid === 'language')
    await page.keyboard.press('Home')
    await expect.poll(() => h1(page).textContent()).toBe('Your health record, on your own devices')
    expect(errors).toEqual([])
  })
})

describe('one’s own record, at phone and desktop width', { timeout: 240_000 }, () => {
  it('onboarding, the recovery phrase and its check, the record, a dependent’s form, locked', async () => {
    const context = await newContext(browser)
    const page = await context.newPage()
    const errors = watchPageErrors(page)
    await page.goto(`${baseUrl}/patient`)
    await page.getByRole('button', { name: 'Create my record' }).click()
    await page.getByLabel('Your name').fill('Dilnoza Karimova')
    await page.getByLabel('Date of birth').fill('1986-04-12')
    await page.getByLabel('Passphrase', { exact: true }).fill('short')
    await page.getByLabel('Passphrase again').fill('short')
    await page.getByRole('button', { name: 'Create my record' }).click()
    await expect.poll(() => page.getByRole('alert').count()).toBe(1)
    await checkScreen(page, 'onboarding-form')
    await page.getByLabel('Passphrase', { exact: true }).fill('tashkent spring 2026')
    await page.getByLabel('Passphrase again').fill('tashkent spring 2026')
    await page.getByRole('button', { name: 'Create my record' }).click()
    await expect.poll(() => page.getByTestId('recovery-phrase').locator('li').count(), { timeout: 60_000 }).toBe(24)
    await checkScreen(page, 'onboarding-phrase')
    const words = (await page.getByTestId('recovery-phrase').locator('li').allTextContents()).map((w) => w.trim())
    await page.getByRole('button', { name: 'I have written them down' }).click()
    const asked = await page.getByLabel(/^Word \d+$/).evaluateAll((els) => els.map((e) => Number((e.id ?? '').slice(1))))
    for (const i of asked) await page.locator(`#w${i}`).fill('wrong')
    await page.getByRole('button', { name: 'Continue' }).click()
    await expect.poll(() => page.getByRole('alert').count()).toBe(1)
    await checkScreen(page, 'onboarding-check')
    for (const i of asked) await page.locator(`#w${i}`).fill(words[i] ?? '')
    await page.getByRole('button', { name: 'Continue' }).click()
    await expect.poll(() => h1(page).textContent(), { timeout: 30_000 }).toContain('Dilnoza Karimova')
    await checkScreen(page, 'patient-own-record', { screenshots: false })
    await page.getByRole('button', { name: 'Add a record for someone in my care' }).click()
    await checkScreen(page, 'form-dependent', { screenshots: false, within: [...RECORD, 'phr-record-switcher'] })
    await page.getByRole('button', { name: 'Cancel' }).first().click()

    await page.reload()
    await expect.poll(() => h1(page).textContent(), { timeout: 30_000 }).toBe('A record is stored on this device')
    await page.getByLabel('Passphrase').fill('not my passphrase')
    await page.getByRole('button', { name: 'Open' }).click()
    await expect.poll(() => page.getByRole('alert').count(), { timeout: 30_000 }).toBe(1)
    await checkScreen(page, 'patient-locked')
    expect(errors).toEqual([])
    await context.close()
  })
})
