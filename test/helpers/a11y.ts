/**
 * Accessibility checks for the end-to-end tests: axe-core, run through
 * `@axe-core/playwright`, on the page as it stands (open shadow roots included: axe
 * descends into them, and the test of this helper checks that it does).
 */
import { AxeBuilder } from '@axe-core/playwright'
import type { Page } from 'playwright-core'

/**
 * The rule sets checked: WCAG 2.0 and 2.1, levels A and AA (what EN 301 549 and most
 * accessibility laws refer to), plus axe's best practices (landmarks, one main, heading
 * order, a level-one heading, ...): they are what a screen-reader user notices first on a
 * single-page app, and the app can meet them. No rule is disabled and nothing is excluded.
 */
export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] as const

/** One failed check, in a form a person can read in a test failure. */
export interface AxeFinding {
  /** The axe rule, e.g. `color-contrast`. */
  rule: string
  /** `minor`, `moderate`, `serious` or `critical`. */
  impact: string
  /** What the rule asks for. */
  help: string
  /** The elements that fail it, as CSS selectors; ` >>> ` steps into a shadow root. */
  targets: string[]
  /** axe's own explanation for the first failing element. */
  summary: string
}

/** What part of the page to check. */
export interface AxeScope {
  /**
   * Check only this element, given as the selectors of its shadow hosts from the document
   * down (`['phr-app', 'phr-patient-view', 'phr-share-visit']`): for a panel just opened on
   * a page already checked whole. @default the whole page
   */
  within?: string[]
}

/** Runs axe on the page and returns its violations (empty when there is none). */
export async function axeViolations(page: Page, scope: AxeScope = {}): Promise<AxeFinding[]> {
  const builder = new AxeBuilder({ page }).withTags([...AXE_TAGS])
  if (scope.within !== undefined) {
    const [host, inner, ...deeper] = scope.within
    if (host === undefined || inner === undefined) throw new RangeError(`within: a shadow host and a selector inside it, got ${JSON.stringify(scope.within)}`)
    builder.include({ fromShadowDom: [host, inner, ...deeper] })
  }
  // legacy mode: axe runs once in the page itself. The default runs it in every frame and
  // then again in a new blank page to merge the frames' results, which costs a new renderer
  // per check; the app has no frames to merge (its QR images are data: URLs, not iframes).
  const results = await builder.setLegacyMode(true).analyze()
  return results.violations.map((v) => ({
    rule: v.id,
    impact: v.impact ?? 'unknown',
    help: v.help,
    targets: v.nodes.map((n) => selectorText(n.target)),
    summary: v.nodes[0]?.failureSummary ?? ''
  }))
}

/** An axe target (nested arrays for shadow roots and frames) as one readable selector. */
function selectorText(target: unknown): string {
  if (typeof target === 'string') return target
  if (Array.isArray(target)) return target.map((t) => selectorText(t)).join(' >>> ')
  return String(target)
}

/** The findings as a list, one rule per paragraph. */
export function formatFindings(label: string, findings: readonly AxeFinding[]): string {
  const rules = findings.map(
    (f) => `- ${f.rule} (${f.impact}): ${f.help}\n    ${f.targets.slice(0, 8).join('\n    ')}${f.targets.length > 8 ? `\n    … and ${f.targets.length - 8} more` : ''}\n    ${f.summary.replace(/\n/g, '\n    ')}`
  )
  return `axe found ${findings.length} violation(s) on ${label}:\n${rules.join('\n')}`
}

/**
 * Fails with a readable list (rule, impact, failing elements, what the rule asks for) when
 * axe finds any violation on the page.
 *
 * @throws {Error} `axe found N violation(s) on <label>: …`
 * @example await expectNoAxeViolations(page, 'patient record (phone)')
 */
export async function expectNoAxeViolations(page: Page, label: string, scope: AxeScope = {}): Promise<void> {
  const findings = await axeViolations(page, scope)
  if (findings.length > 0) throw new Error(formatFindings(label, findings))
}
