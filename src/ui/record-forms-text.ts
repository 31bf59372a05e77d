import { msg } from '@lit/localize'
import type { FormProblem, RecordSection } from '../app/index.ts'

/** A section's heading, its "add" button and its empty state, in the reader's language. */
export function sectionText(section: RecordSection): { heading: string; add: string; empty: string; item: string } {
  switch (section) {
    case 'allergy':
      return { heading: msg('What you are allergic to'), add: msg('Add an allergy'), empty: msg('No allergies written down yet. Add one so that doctors and the emergency card know.'), item: msg('allergy') }
    case 'condition':
      return { heading: msg('Health conditions'), add: msg('Add a condition'), empty: msg('No conditions written down yet.'), item: msg('condition') }
    case 'medication':
      return { heading: msg('Medicines you take'), add: msg('Add a medicine'), empty: msg('No medicines written down yet.'), item: msg('medicine') }
    case 'immunization':
      return { heading: msg('Vaccinations'), add: msg('Add a vaccination'), empty: msg('No vaccinations written down yet.'), item: msg('vaccination') }
    case 'lab':
      return { heading: msg('Lab results'), add: msg('Add a lab result'), empty: msg('No lab results yet. Type one in from a lab report.'), item: msg('lab result') }
    case 'document':
      return { heading: msg('Documents'), add: msg('Add a document'), empty: msg('No documents yet. Add a PDF or a photo of a letter or a report; it is encrypted on this device.'), item: msg('document') }
  }
}

/** What is wrong with a field, in plain words. */
export function problemText(problem: FormProblem, field: string): string {
  if (field === 'file') {
    if (problem === 'not-allowed') return msg('Choose a PDF, PNG, JPEG or WebP file.')
    if (problem === 'too-long') return msg('This file is larger than 100 MB.')
    return msg('Choose a file.')
  }
  switch (problem) {
    case 'required':
      return msg('This is needed.')
    case 'too-long':
      return msg('This is too long.')
    case 'not-a-date':
      return msg('This is not a date.')
    case 'in-the-future':
      return msg('This date is in the future.')
    case 'not-a-number':
      return msg('Type a number, for example 5.4.')
    case 'out-of-range':
      return field === 'value0' ? msg('This value cannot be right. For blood pressure, the upper number must be above the lower one.') : msg('This value cannot be right.')
    case 'not-allowed':
      return field === 'unit' ? msg('Write the unit without spaces, for example mg/dL.') : msg('Pick one of the choices.')
  }
}

/** The label of a status or category code shown in the forms. */
export function choiceText(code: string): string {
  const t: Record<string, () => string> = {
    active: () => msg('Current'),
    inactive: () => msg('Inactive'),
    resolved: () => msg('Resolved'),
    completed: () => msg('Finished'),
    stopped: () => msg('Stopped'),
    food: () => msg('Food'),
    medication: () => msg('Medicine'),
    environment: () => msg('Environment'),
    biologic: () => msg('Biologic (insect stings, vaccines)'),
    low: () => msg('Low'),
    high: () => msg('High'),
    'unable-to-assess': () => msg('Not known')
  }
  return t[code]?.() ?? code
}
