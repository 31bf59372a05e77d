import { html, render } from 'lit'
import { msg, str } from '@lit/localize'
import type { PrintableSummary } from '../app/index.ts'

/** An IPS section's title, by its LOINC code. */
export function sectionTitle(code: string): string {
  switch (code) {
    case '10160-0':
      return msg('Medicines')
    case '48765-2':
      return msg('Allergies and intolerances')
    case '11450-4':
      return msg('Current problems')
    case '11369-6':
      return msg('Vaccinations')
    case '47519-4':
      return msg('Procedures')
    case '30954-2':
      return msg('Test results')
    case '8716-3':
      return msg('Vital signs')
    case '11348-0':
      return msg('Past illnesses')
    default:
      return code
  }
}

const PRINT_ID = 'phr-printable-summary'

// The page's own content lives in shadow roots under <body>; the summary is a plain element
// beside it, so one print rule can hide everything else.
const CSS = `
#${PRINT_ID} { position: fixed; inset: 0; overflow: auto; z-index: 1000; background: #fff; color: #000;
  font: 12pt/1.4 system-ui, sans-serif; padding: 1.5rem 2rem; box-sizing: border-box; }
#${PRINT_ID} h1 { font-size: 18pt; margin: 0 0 .2em; }
#${PRINT_ID} h2 { font-size: 14pt; margin: 1.2em 0 .3em; border-bottom: 1px solid #000; }
#${PRINT_ID} table { border-collapse: collapse; width: 100%; }
#${PRINT_ID} th, #${PRINT_ID} td { text-align: left; padding: .2em .4em; border-bottom: 1px solid #ccc; vertical-align: top; }
#${PRINT_ID} .empty { font-style: italic; }
#${PRINT_ID} .bar { display: flex; gap: .5rem; margin-bottom: 1rem; }
#${PRINT_ID} button { font: inherit; padding: .5rem 1rem; min-height: 44px; border-radius: 8px; border: 1px solid #1a5fb4; background: #1a5fb4; color: #fff; cursor: pointer; }
#${PRINT_ID} button.secondary { background: #fff; color: #1a5fb4; }
@media print {
  body > :not(#${PRINT_ID}) { display: none !important; }
  #${PRINT_ID} { position: static; padding: 0; overflow: visible; }
  #${PRINT_ID} .bar { display: none; }
  #${PRINT_ID} tr { break-inside: avoid; }
}`

/** Closes the printable summary if it is open. */
export function closePrintableSummary(): void {
  document.getElementById(PRINT_ID)?.remove()
}

/**
 * Shows the printable summary over the page (Print and Close buttons, hidden on paper) and
 * opens the browser's print dialog. Everything shown is text bound by lit (escaped).
 */
export function openPrintableSummary(s: PrintableSummary, locale: string): void {
  closePrintableSummary()
  const root = document.createElement('div')
  root.id = PRINT_ID
  root.setAttribute('role', 'dialog')
  root.setAttribute('aria-label', msg('Printable summary'))
  const style = document.createElement('style')
  style.textContent = CSS
  const content = document.createElement('div')
  root.append(style, content)
  document.body.append(root)
  const made = new Date(s.madeAt).toLocaleString(locale, { dateStyle: 'medium', timeStyle: 'short' })
  const facts = [s.birthDate === undefined ? '' : msg(str`Born ${s.birthDate}`), s.gender ?? ''].filter((x) => x !== '').join(' · ')
  render(
    html`<div class="bar">
        <button type="button" @click=${() => window.print()}>${msg('Print')}</button>
        <button type="button" class="secondary" @click=${closePrintableSummary}>${msg('Close the summary')}</button>
      </div>
      <h1>${s.name}</h1>
      ${facts === '' ? '' : html`<p>${facts}</p>`}
      <p>${msg(str`Patient summary made on ${made} from the patient's own record.`)}</p>
      ${s.sections.map(
        (sec) => html`<section data-testid="print-section" data-code=${sec.code}>
          <h2>${sectionTitle(sec.code)}</h2>
          ${sec.empty
            ? html`<p class="empty">${msg('No information available')}</p>`
            : html`<table>
                <thead>
                  <tr><th>${msg('What')}</th><th>${msg('Value')}</th><th>${msg('Date')}</th><th>${msg('Status')}</th></tr>
                </thead>
                <tbody>
                  ${sec.rows.map((r) => html`<tr><td>${r.what}</td><td>${r.value}</td><td>${r.date}</td><td>${r.status}</td></tr>`)}
                </tbody>
              </table>`}
        </section>`
      )}`,
    content
  )
  root.querySelector('button')?.focus()
  window.print()
}
