/**
 * Wall-clock times of a device clock in a named time zone. Bluetooth health devices send
 * local date-times without a zone (GATT Supplement "Date Time"); the caller knows which
 * zone the device clock was set to (normally the phone's own, as the Current Time Service
 * or the user set it) and passes its IANA name.
 */

const formatters = new Map<string, Intl.DateTimeFormat>() // a cache of immutable formatters, one per zone

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone)
  if (f === undefined) {
    // throws RangeError for an unknown zone: a caller error
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric'
    })
    formatters.set(zone, f)
  }
  return f
}

/** Offset of `zone` from UTC at instant `t` (ms), in ms (east positive). */
export function zoneOffset(zone: string, t: number): number {
  const second = Math.floor(t / 1000) * 1000
  const parts: Record<string, number> = {}
  for (const p of formatter(zone).formatToParts(second)) if (p.type !== 'literal') parts[p.type] = Number(p.value)
  const wall = new Date(0)
  wall.setUTCFullYear(parts['year'] ?? 1970, (parts['month'] ?? 1) - 1, parts['day'] ?? 1)
  wall.setUTCHours(parts['hour'] ?? 0, parts['minute'] ?? 0, parts['second'] ?? 0, 0)
  return wall.getTime() - second
}

const WALL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/

/**
 * The wall time `YYYY-MM-DDTHH:MM:SS` read as UTC, in ms (no zone applied).
 * @throws {RangeError} if `wall` is not of that form.
 */
export function wallAsUtc(wall: string): number {
  const m = WALL.exec(wall)
  if (m === null) throw new RangeError(`wall time: expected YYYY-MM-DDTHH:MM:SS, got ${wall}`)
  const d = new Date(0)
  d.setUTCFullYear(Number(m[1]), Number(m[2]) - 1, Number(m[3]))
  d.setUTCHours(Number(m[4]), Number(m[5]), Number(m[6]), 0)
  return d.getTime()
}

/**
 * The instant (ms) at which clocks in `zone` showed the wall time `wallUtc` (a wall time read
 * as UTC, see `wallAsUtc`). In a daylight-saving gap the time is read with the offset before
 * the change (02:30 on a spring-forward night becomes 03:30); in an overlap the earlier
 * instant is taken.
 * @throws {RangeError} if `zone` is not an IANA time zone.
 */
export function instantOfWallTime(wallUtc: number, zone: string): number {
  const before = zoneOffset(zone, wallUtc - 86_400_000)
  const after = zoneOffset(zone, wallUtc + 86_400_000)
  const early = wallUtc - Math.max(before, after)
  const late = wallUtc - Math.min(before, after)
  for (const t of [early, late]) if (t + zoneOffset(zone, t) === wallUtc) return t
  return wallUtc - before // in a gap
}

const pad = (n: number): string => String(n).padStart(2, '0')

/**
 * Instant `t` as an R4 dateTime in `zone`'s local time with its offset:
 * `2024-05-02T08:15:00+02:00` (milliseconds only when non-zero).
 * @throws {RangeError} if `zone` is unknown or `t` is not a time.
 */
export function dateTimeInZone(t: number, zone: string): string {
  const offset = zoneOffset(zone, t)
  const local = new Date(t + offset).toISOString() // YYYY-MM-DDTHH:MM:SS.sssZ
  const minutes = Math.round(offset / 60_000)
  const sign = minutes < 0 ? '-' : '+'
  const abs = Math.abs(minutes)
  const ms = local.slice(19, 23)
  return `${local.slice(0, 19)}${ms === '.000' ? '' : ms}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
}
