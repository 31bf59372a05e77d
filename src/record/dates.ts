/**
 * FHIR R4 date, dateTime and instant parsing (R4 §2.1.0 "Primitive Types"), to epoch
 * milliseconds for the date index and range filters.
 */

// R4 dateTime: YYYY, YYYY-MM, YYYY-MM-DD, or YYYY-MM-DDThh:mm:ss(.sss)(Z|±hh:mm).
const DATE_TIME =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})?)?)?)?$/

/** Milliseconds in one hour. */
export const HOUR_MS = 3_600_000

/** Largest time a JavaScript `Date` can hold (ECMA-262 §21.4.1.1): 8.64e15 ms. */
export const MAX_TIME_MS = 8.64e15

/**
 * The start of a FHIR `date`, `dateTime` or `instant` as epoch ms (partial dates start at
 * their first instant, UTC; a time without a zone is read as UTC), or `NaN` if `value` is
 * not one.
 * @throws Never.
 * @example parseFhirDateTime('2024-05-02') // 1714608000000
 */
export function parseFhirDateTime(value: unknown): number {
  if (typeof value !== 'string') return Number.NaN
  const m = DATE_TIME.exec(value)
  if (m === null) return Number.NaN
  const year = Number(m[1])
  const month = m[2] === undefined ? 1 : Number(m[2])
  const day = m[3] === undefined ? 1 : Number(m[3])
  if (month < 1 || month > 12 || day < 1 || day > 31) return Number.NaN
  const hour = m[4] === undefined ? 0 : Number(m[4])
  const minute = m[5] === undefined ? 0 : Number(m[5])
  // R4 allows a leap second (60); it is read as the last millisecond of the minute
  const secondRaw = m[6] === undefined ? 0 : Number(m[6])
  if (hour > 23 || minute > 59 || secondRaw > 60) return Number.NaN
  const leap = secondRaw === 60
  const second = leap ? 59 : secondRaw
  const ms = leap ? 999 : m[7] === undefined ? 0 : Math.floor(Number(`0.${m[7]}`) * 1000)
  // Date.UTC would roll 2023-02-30 over into March
  if (day > 28 && day > daysInMonth(year, month)) return Number.NaN
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, ms)
  let offset = 0
  const zone = m[8]
  if (zone !== undefined && zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1
    const zh = Number(zone.slice(1, 3))
    const zm = Number(zone.slice(4, 6))
    if (zh > 14 || zm > 59) return Number.NaN
    offset = sign * (zh * 60 + zm) * 60_000
  }
  return utc - offset
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31
}

/**
 * Whether `value` is a full R4 `instant`: date, time to the second and a zone.
 * @throws Never.
 */
export function isFhirInstant(value: unknown): boolean {
  if (typeof value !== 'string') return false
  const m = DATE_TIME.exec(value)
  return m !== null && m[8] !== undefined && !Number.isNaN(parseFhirDateTime(value))
}

/**
 * A time in ms as an R4 instant in UTC with milliseconds (`2024-05-02T10:15:00.000Z`).
 * @throws {RangeError} if `ms` is not a valid time.
 */
export function toInstant(ms: number): string {
  return new Date(ms).toISOString()
}

/**
 * A time in ms, accepted as epoch ms or as any string `parseFhirDateTime` reads.
 * @throws {RangeError} naming `label` if it is neither.
 */
export function toMs(value: number | string, label: string): number {
  const ms = typeof value === 'number' ? value : parseFhirDateTime(value)
  if (typeof ms !== 'number' || Number.isNaN(ms) || Math.abs(ms) > MAX_TIME_MS) {
    throw new RangeError(`${label}: expected epoch ms or a FHIR date/dateTime, got ${String(value)}`)
  }
  return ms
}
