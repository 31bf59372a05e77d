/** The text of a form field by name ('' when absent or a file). */
export function textField(form: HTMLFormElement, name: string): string {
  const value = new FormData(form).get(name)
  return typeof value === 'string' ? value : ''
}
