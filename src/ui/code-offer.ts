/**
 * A one-time code shown to another device (device links, visit invites): its QR image and
 * copying its text. The styles are `codeOfferStyles` in styles.ts.
 */
import QRCode from 'qrcode'

/** The code as a QR image (an SVG data URL). */
export async function qrImage(text: string): Promise<string> {
  const svg = await QRCode.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 })
  return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`
}

/**
 * Copies the code; without clipboard permission, selects the text field in `root` instead.
 * @returns whether it was copied
 */
export async function copyCode(root: HTMLElement | DocumentFragment, text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text)
    return true
  } catch (err) {
    // no clipboard permission: the text stays selectable in the field
    console.warn('copy failed', err instanceof Error ? err.name : err)
    root.querySelector('textarea')?.select()
    return false
  }
}
