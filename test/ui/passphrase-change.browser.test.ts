/**
 * The passphrase panel in Chromium over a real record in IndexedDB: problems show under
 * their field (tied by `aria-describedby`, `aria-invalid`, focus moved there) and change
 * nothing; a change typed and sent with the keyboard alone is announced, after which the
 * old passphrase no longer opens the record and the new one opens the same record.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { userEvent } from 'vitest/browser'
import { createIndexedDbStore, type EnvelopeStore } from '../../src/storage/index.ts'
import { createRecordSession, openRecordSession, unlockVault } from '../../src/app/record-session.ts'
import { changeVaultPassphrase } from '../../src/app/passphrase-change.ts'
import type { FhirResource } from '../../src/record/index.ts'
import '../../src/ui/passphrase-change.ts'
import type { PassphraseTarget } from '../../src/ui/passphrase-change.ts'

const scrypt = { log2N: 10, r: 8, p: 1 }
const fast = { scrypt, batchMs: 1 }
const OLD = 'correct horse'
const NEW = 'a brand new passphrase'
const stores: EnvelopeStore[] = []
afterAll(async () => {
  for (const s of stores) await s.close()
})

const root = (el: Element): ShadowRoot => {
  if (el.shadowRoot === null) throw new Error('no shadow root')
  return el.shadowRoot
}
async function until(pred: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms
  while (!pred()) {
    if (Date.now() > end) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 20))
  }
}
type Panel = HTMLElement & { updateComplete: Promise<unknown>; target: PassphraseTarget | undefined }

async function setup(): Promise<{ store: EnvelopeStore; el: Panel; r: ShadowRoot; allergy: FhirResource }> {
  const store = await createIndexedDbStore({ name: `phr-test-pass-${Math.random().toString(36).slice(2)}` })
  stores.push(store)
  const s = await createRecordSession(store, OLD, fast)
  const allergy = s.get('core').resources.put({ resourceType: 'AllergyIntolerance', id: 'a1', patient: { reference: 'Patient/p1' }, code: { text: 'penicillin' } })
  await s.whenSaved()
  await s.close()
  const el = document.createElement('phr-passphrase-change') as Panel
  el.target = { changePassphrase: (current, next) => changeVaultPassphrase(store, current, next, { scrypt }) }
  document.body.append(el)
  await el.updateComplete
  return { store, el, r: root(el), allergy }
}

function fill(r: ShadowRoot, values: { current: string; next: string; again: string }): void {
  for (const [name, value] of Object.entries(values)) (r.querySelector(`input[name="${name}"]`) as HTMLInputElement).value = value
}

async function nameOf(p: Promise<unknown>): Promise<string> {
  try {
    await p
    return 'resolved'
  } catch (err) {
    return err instanceof Error ? err.name : String(err)
  }
}

describe('passphrase panel', () => {
  it('shows each problem under its field, tied to it, and changes nothing', async () => {
    const { store, el, r } = await setup()
    const form = r.querySelector('form') as HTMLFormElement

    fill(r, { current: OLD, next: 'short', again: 'short' })
    form.requestSubmit()
    await el.updateComplete
    const next = r.querySelector('#pc-next') as HTMLInputElement
    expect(next.getAttribute('aria-invalid')).toBe('true')
    expect(r.querySelector(`#${next.getAttribute('aria-describedby') ?? 'none'}`)?.textContent).toContain('at least 8 characters')
    await until(() => r.activeElement === next)

    fill(r, { current: OLD, next: NEW, again: NEW + '!' })
    form.requestSubmit()
    await el.updateComplete
    const again = r.querySelector('#pc-again') as HTMLInputElement
    expect(again.getAttribute('aria-invalid')).toBe('true')
    expect(next.getAttribute('aria-invalid')).toBe('false')
    expect(r.querySelector(`#${again.getAttribute('aria-describedby') ?? 'none'}`)?.textContent).toContain('differ')

    // a wrong current passphrase is found by the record itself
    fill(r, { current: 'not the passphrase', next: NEW, again: NEW })
    form.requestSubmit()
    const current = r.querySelector('#pc-current') as HTMLInputElement
    await until(() => current.getAttribute('aria-invalid') === 'true')
    expect(r.querySelector(`#${current.getAttribute('aria-describedby') ?? 'none'}`)?.textContent).toContain('not the current passphrase')
    await until(() => r.activeElement === current)
    expect(r.querySelector('[data-testid="pc-status"]')?.textContent?.trim()).toBe('')

    expect(await nameOf(unlockVault(store, NEW))).toBe('WrongPassphraseError')
    ;(await unlockVault(store, OLD)).fill(0)
    el.remove()
  })

  it('changes the passphrase by keyboard alone, and the record opens with the new one only', async () => {
    const { store, el, r, allergy } = await setup()
    ;(r.querySelector('#pc-current') as HTMLInputElement).focus()
    await userEvent.keyboard(OLD)
    await userEvent.tab()
    await userEvent.keyboard(NEW)
    await userEvent.tab()
    await userEvent.keyboard(NEW)
    await userEvent.keyboard('{Enter}')
    const status = r.querySelector('[data-testid="pc-status"]') as HTMLElement
    await until(() => (status.textContent ?? '').includes('The passphrase is changed'))
    expect(status.getAttribute('role')).toBe('status')
    // the form is emptied: no passphrase stays on the page
    for (const input of r.querySelectorAll('input')) expect(input.value).toBe('')

    expect(await nameOf(openRecordSession(store, OLD, fast))).toBe('WrongPassphraseError')
    const s = await openRecordSession(store, NEW, fast)
    expect(s.get('core').resources.get('AllergyIntolerance', 'a1')).toEqual(allergy)
    await s.close()
    el.remove()
  })
})
