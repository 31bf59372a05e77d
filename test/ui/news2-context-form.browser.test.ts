/**
 * The doctor's NEWS2 form in Chromium, writing into a real visit compartment through the
 * app's own functions: every control is labelled and reached by keyboard; an empty form and
 * oxygen without a flow are refused with a message tied to the form or field
 * (`aria-describedby`, `aria-invalid`) and nothing is written; "on oxygen" and ACVPU are
 * written as FHIR Observations and shown as in force with who recorded them; SpO2 scale 2
 * stays until removed, and removing withdraws it (the resource is kept).
 */
import { describe, expect, it } from 'vitest'
import { asDocId } from '../../src/lib/index.ts'
import { createCompartment, visitCompartment, type Compartment } from '../../src/record/index.ts'
import { endScale2, news2ContextStatus, recordNews2Entry } from '../../src/app/news2-record.ts'
import type { News2Replica } from '../../src/ui/news2-context-form.ts'
import '../../src/ui/news2-context-form.ts'

type Updatable = HTMLElement & { updateComplete: Promise<unknown>; replica: News2Replica; grantId: string }

function replicaOver(visit: Compartment): News2Replica {
  return {
    news2Context: () => news2ContextStatus([visit], Date.now()),
    recordNews2: async (input) => {
      recordNews2Entry(visit, input, { at: Date.now(), by: 'Dr Karimova' })
    },
    endScale2: async () => {
      endScale2(visit)
    }
  }
}

async function until(pred: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms
  while (!pred()) {
    if (Date.now() > end) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 20))
  }
}

async function mount(): Promise<{ el: Updatable; r: ShadowRoot; visit: Compartment }> {
  const visit = createCompartment({ kind: visitCompartment('b'.repeat(32)), docId: asDocId(crypto.getRandomValues(new Uint8Array(16))) })
  const el = document.createElement('phr-news2-context-form') as Updatable
  el.replica = replicaOver(visit)
  el.grantId = 'g1'
  document.body.append(el)
  await el.updateComplete
  if (el.shadowRoot === null) throw new Error('no shadow root')
  return { el, r: el.shadowRoot, visit }
}

const labelOf = (r: ShadowRoot, input: HTMLInputElement): string => {
  if (input.id !== '') {
    const l = r.querySelector(`label[for="${input.id}"]`)
    if (l !== null) return l.textContent?.trim() ?? ''
  }
  return input.closest('label')?.textContent?.trim() ?? ''
}

describe('NEWS2 form', () => {
  it('labels every control and reaches them by keyboard', async () => {
    const { el, r } = await mount()
    const inputs = [...r.querySelectorAll('input')]
    expect(inputs.length).toBe(8) // 5 ACVPU, air, oxygen, flow
    for (const i of inputs) expect(labelOf(r, i), i.outerHTML).not.toBe('')
    expect([...r.querySelectorAll('legend')].map((l) => l.textContent?.trim())).toEqual(['Level of consciousness (ACVPU)', 'Air or oxygen', 'SpO2 scale 2'])
    // keyboard: every enabled control can take focus (none is tabindex -1)
    for (const c of [...r.querySelectorAll<HTMLElement>('input:not([disabled]), button')]) {
      c.focus()
      expect(r.activeElement).toBe(c)
      expect(c.tabIndex).toBeGreaterThanOrEqual(0)
    }
    el.remove()
  })

  it('refuses an empty form and oxygen without a flow, tied to the form and the field; nothing is written', async () => {
    const { el, r, visit } = await mount()
    const form = r.querySelector('form') as HTMLFormElement
    form.requestSubmit()
    await el.updateComplete
    const formErr = r.querySelector('#n2-form-err-g1')
    expect(formErr?.textContent).toContain('Choose the level of consciousness, or air or oxygen.')
    expect(form.getAttribute('aria-describedby')).toBe('n2-form-err-g1')

    const oxygen = r.querySelector('input[name="oxygen"][value="oxygen"]') as HTMLInputElement
    oxygen.click()
    await el.updateComplete
    const flow = r.querySelector('#n2-flow-g1') as HTMLInputElement
    expect(flow.disabled).toBe(false)
    form.requestSubmit()
    await el.updateComplete
    expect(flow.getAttribute('aria-invalid')).toBe('true')
    expect(flow.getAttribute('aria-describedby')?.split(' ')).toContain('n2-flow-err-g1')
    expect(r.querySelector('#n2-flow-err-g1')?.textContent).toContain('litres per minute')
    expect(r.activeElement).toBe(flow)
    flow.value = '75'
    form.requestSubmit()
    await el.updateComplete
    expect(flow.getAttribute('aria-invalid')).toBe('true')
    expect(visit.resources.count('Observation')).toBe(0)
    el.remove()
  })

  it('records on oxygen and ACVPU as FHIR and shows them in force, with who recorded them', async () => {
    const { el, r, visit } = await mount()
    expect(r.querySelector('[data-testid="n2-in-force"]')?.textContent).toContain('Oxygen: not recorded (the score assumes breathing air).')
    ;(r.querySelector('input[name="acvpu"][value="C"]') as HTMLInputElement).click()
    ;(r.querySelector('input[name="oxygen"][value="oxygen"]') as HTMLInputElement).click()
    await el.updateComplete
    const flow = r.querySelector('#n2-flow-g1') as HTMLInputElement
    flow.value = '2'
    ;(r.querySelector('form') as HTMLFormElement).requestSubmit()
    await until(() => r.querySelector('[role="status"]') !== null)
    const written = visit.resources.list('Observation')
    expect(written.map((o) => (o.code as { coding: Array<{ code: string }> }).coding[0]?.code).sort()).toEqual(['1104441000000107', '3151-8'])
    const inForce = r.querySelector('[data-testid="n2-in-force"]')?.textContent ?? ''
    expect(inForce).toContain('Consciousness: New confusion, recorded by Dr Karimova')
    expect(inForce).toContain('On oxygen, recorded by Dr Karimova')
    expect(flow.getAttribute('aria-invalid')).toBe('false')
    el.remove()
  })

  it('marks SpO2 scale 2 until removed; removing withdraws it', async () => {
    const { el, r, visit } = await mount()
    const button = (text: string): HTMLButtonElement | undefined => [...r.querySelectorAll('button')].find((b) => b.textContent?.trim() === text)
    const mark = button('Mark hypercapnic respiratory failure (SpO2 scale 2)')
    expect(mark?.getAttribute('aria-describedby')).toBe('n2-s2-hint-g1')
    mark?.click()
    await until(() => button('Remove SpO2 scale 2') !== undefined)
    expect(r.querySelector('[data-testid="n2-in-force"]')?.textContent).toContain('SpO2 scale 2: hypercapnic respiratory failure marked by Dr Karimova')
    button('Remove SpO2 scale 2')?.click()
    await until(() => button('Mark hypercapnic respiratory failure (SpO2 scale 2)') !== undefined)
    expect(r.querySelector('[data-testid="n2-in-force"]')?.textContent).toContain('SpO2 scale 1')
    // withdrawn, not deleted
    const all = visit.resources.list('Observation', { includeWithdrawn: true })
    expect(all).toHaveLength(1)
    expect(all[0]?.['status']).toBe('entered-in-error')
    el.remove()
  })
})
