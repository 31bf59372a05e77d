/**
 * The patient's screen navigation in Chromium: a tab bar along the bottom of a 390-px phone
 * with all seven screens in reach, a row of tabs at the top at 1280 px, `aria-current` on
 * the screen shown, and usable from the keyboard — Tab reaches each link in order and Enter
 * follows it through the app's router without a page load.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { page, userEvent } from 'vitest/browser'
import '../../src/ui/patient-nav.ts'
import { watchRoute, type PatientScreen } from '../../src/ui/router.ts'

type Nav = HTMLElement & { current: PatientScreen; updateComplete: Promise<unknown> }

const links = (el: Element): HTMLAnchorElement[] => [...(el.shadowRoot?.querySelectorAll('a') ?? [])]
const start = location.href

async function mount(current: PatientScreen): Promise<Nav> {
  document.body.replaceChildren()
  const el = document.createElement('phr-patient-nav') as Nav
  el.current = current
  document.body.append(el)
  await el.updateComplete
  return el
}

afterEach(() => {
  history.replaceState(null, '', start)
})

describe('patient navigation', () => {
  it('is a labelled nav marking the screen shown with aria-current', async () => {
    const el = await mount('vitals')
    const nav = el.shadowRoot?.querySelector('nav')
    expect(nav?.getAttribute('aria-label')).toBe('Your record’s screens')
    expect(links(el).map((a) => [a.textContent?.trim(), new URL(a.href).pathname])).toEqual([
      ['Home', '/patient'],
      ['Timeline', '/patient/timeline'],
      ['Record', '/patient/record'],
      ['Vitals', '/patient/vitals'],
      ['Sharing', '/patient/sharing'],
      ['Devices', '/patient/devices'],
      ['Settings', '/patient/settings']
    ])
    expect(links(el).filter((a) => a.getAttribute('aria-current') === 'page').map((a) => a.textContent?.trim())).toEqual(['Vitals'])
    // icons are decoration: the link's name is its label
    for (const svg of el.shadowRoot?.querySelectorAll('svg') ?? []) expect(svg.getAttribute('aria-hidden')).toBe('true')
    el.current = 'sharing'
    await el.updateComplete
    expect(links(el).filter((a) => a.getAttribute('aria-current') === 'page').map((a) => a.textContent?.trim())).toEqual(['Sharing'])
  })

  it('is a tab bar along the bottom of a 390-px phone, every tab on screen and big enough to tap', async () => {
    await page.viewport(390, 844)
    const el = await mount('home')
    const nav = el.shadowRoot?.querySelector('nav') as HTMLElement
    const box = nav.getBoundingClientRect()
    expect(Math.round(box.bottom)).toBe(window.innerHeight)
    expect(Math.round(box.width)).toBe(window.innerWidth)
    const rects = links(el).map((a) => a.getBoundingClientRect())
    // one row, side by side, inside the screen, at least 44 px high (WCAG 2.5.5 target size)
    for (const r of rects) {
      expect(r.left).toBeGreaterThanOrEqual(0)
      expect(r.right).toBeLessThanOrEqual(window.innerWidth + 0.5)
      expect(r.height).toBeGreaterThanOrEqual(44)
      expect(Math.round(r.top)).toBe(Math.round(rects[0]?.top ?? -1))
    }
  })

  it('is a row of tabs at the top of the screen at 1280 px', async () => {
    await page.viewport(1280, 800)
    const el = await mount('home')
    const nav = el.shadowRoot?.querySelector('nav') as HTMLElement
    expect(getComputedStyle(nav).position).toBe('static')
    expect(nav.getBoundingClientRect().top).toBeLessThan(10)
    const rects = links(el).map((a) => a.getBoundingClientRect())
    for (const r of rects) expect(Math.round(r.top)).toBe(Math.round(rects[0]?.top ?? -1))
    expect(rects.every((r, i) => i === 0 || r.left > (rects[i - 1]?.left ?? 0))).toBe(true)
  })

  it('is used from the keyboard: Tab goes through the links in order, Enter opens one without a page load', async () => {
    const el = await mount('home')
    const seen: string[] = []
    const stop = watchRoute(window, (route, path) => seen.push(`${route} ${path}`))
    try {
      const before = document.createElement('button')
      before.textContent = 'before'
      document.body.prepend(before)
      before.focus()
      const order: string[] = []
      for (let i = 0; i < 7; i++) {
        await userEvent.tab()
        order.push((el.shadowRoot?.activeElement as HTMLElement | null)?.textContent?.trim() ?? '')
      }
      expect(order).toEqual(['Home', 'Timeline', 'Record', 'Vitals', 'Sharing', 'Devices', 'Settings'])
      await userEvent.tab({ shift: true })
      await userEvent.tab({ shift: true })
      expect((el.shadowRoot?.activeElement as HTMLElement | null)?.textContent?.trim()).toBe('Sharing')
      await userEvent.keyboard('{Enter}')
      expect(seen).toEqual(['patient /patient/sharing'])
      expect(location.pathname).toBe('/patient/sharing')
      // the page was not reloaded: the element is still the one mounted
      expect(document.body.contains(el)).toBe(true)
      // the focus ring shows on the focused link
      const focused = el.shadowRoot?.activeElement as HTMLElement
      expect(getComputedStyle(focused).outlineStyle).toBe('solid')
    } finally {
      stop()
    }
  })

  it('tells the view which screen the person chose (Enter or a click), before the router changes the address, and not for a ctrl-click', async () => {
    const el = await mount('home')
    const chosen: string[] = []
    // on the document, past the shadow root: the event is composed and bubbles
    const onChosen = (e: Event): void => {
      chosen.push(`${(e as CustomEvent<string>).detail} at ${location.pathname}`)
    }
    document.addEventListener('screen-chosen', onChosen)
    const stop = watchRoute(window, () => undefined)
    try {
      const [home, , record, vitals] = links(el)
      vitals?.focus()
      await userEvent.keyboard('{Enter}')
      expect(location.pathname).toBe('/patient/vitals')
      await userEvent.click(record as HTMLAnchorElement)
      expect(location.pathname).toBe('/patient/record')
      expect(chosen).toEqual(['vitals at ' + new URL(start).pathname, 'record at /patient/vitals'])
      // a ctrl-click is left to the browser (a new tab): no screen was chosen here
      const ctrl = new MouseEvent('click', { bubbles: true, composed: true, cancelable: true, button: 0, ctrlKey: true })
      ;(home as HTMLAnchorElement).addEventListener('click', (e) => e.preventDefault(), { once: true })
      home?.dispatchEvent(ctrl)
      expect(chosen).toHaveLength(2)
    } finally {
      stop()
      document.removeEventListener('screen-chosen', onChosen)
    }
  })
})
