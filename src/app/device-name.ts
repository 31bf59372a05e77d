/**
 * A first name for this device, put in its certificate and shown on the person's other
 * devices ("Android phone", "Mac"). The person can give another when linking.
 */

/** Longest device name accepted (UTF-8 bytes are capped at 256 by the certificate). */
export const MAX_DEVICE_NAME = 60

/** A plain name for the device behind `userAgent`. */
export function guessDeviceName(userAgent: string): string {
  const ua = userAgent.slice(0, 512)
  if (/iPhone/.test(ua)) return 'iPhone'
  if (/iPad/.test(ua)) return 'iPad'
  if (/Android/.test(ua)) return /Mobile/.test(ua) ? 'Android phone' : 'Android tablet'
  if (/Macintosh|Mac OS X/.test(ua)) return 'Mac'
  if (/Windows/.test(ua)) return 'Windows PC'
  if (/CrOS/.test(ua)) return 'Chromebook'
  if (/Linux/.test(ua)) return 'Linux computer'
  return 'Browser'
}

/**
 * A device name as typed, trimmed and capped; the guess when empty.
 * @throws Never.
 */
export function cleanDeviceName(typed: string, fallback: string): string {
  const name = typed.replace(/\s+/g, ' ').trim().slice(0, MAX_DEVICE_NAME)
  return name === '' ? fallback : name
}
