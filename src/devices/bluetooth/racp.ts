/**
 * The glucose meter's stored-records procedure (GLS 1.0 §3.4, Record Access Control
 * Point): ask for the records from the last sequence number seen + 1 ("report stored
 * records, greater than or equal to, sequence number"), or for all records the first
 * time; the meter sends them as Glucose Measurement notifications and ends with a
 * Response Code indication.
 */
import { RacpOpCode, racpAbort, racpReportAllRecords, racpReportRecordsFrom, type RacpResponse } from '../gatt/index.ts'
import { DeviceSessionClosedError, RacpRequestError, RacpTimeoutError } from './errors.ts'
import { bounded, type Timers } from './timing.ts'
import type { CharacteristicLike } from './web-bluetooth.ts'

/** What the session's value handler passes on while a fetch runs. */
export type RacpSignal = { readonly type: 'racp'; readonly value: RacpResponse } | { readonly type: 'glucose'; readonly sequence: number }

/** The connection a fetch runs on. */
export interface RacpLink {
  readonly signal: AbortSignal
  racpListener: ((s: RacpSignal) => void) | undefined
}

/** How a fetch ended. */
export interface StoredRecordsResult {
  /** `all` the first time, else the first sequence number asked for. */
  readonly requested: 'all' | number
  /** Glucose Measurement notifications received during the fetch. */
  readonly received: number
  /** Response code 1 Success, or 6 No records found (GSS "Response Code Values"). */
  readonly outcome: 'success' | 'no-records'
}

/** Arguments of `fetchStoredRecords`. */
export interface FetchStoredRecordsArgs {
  readonly link: RacpLink
  /** The subscribed Record Access Control Point (0x2A52). */
  readonly racp: CharacteristicLike
  readonly lastSequence: number | undefined
  readonly timers: Timers
  readonly operationTimeoutMs: number
  /** Longest wait for the next record or the response code. */
  readonly racpTimeoutMs: number
}

const SUCCESS = 0x01
const NO_RECORDS_FOUND = 0x06

function write(racp: CharacteristicLike, request: Uint8Array): Promise<void> {
  const bytes = new Uint8Array(request) // a copy over a plain ArrayBuffer, as BufferSource wants
  // GLS 1.0 §3.4: the RACP is written with response
  if (typeof racp.writeValueWithResponse === 'function') return racp.writeValueWithResponse(bytes)
  if (typeof racp.writeValue === 'function') return racp.writeValue(bytes)
  return Promise.reject(new TypeError('Record Access Control Point: not writable'))
}

/**
 * Runs one "report stored records" procedure on a connected, subscribed meter. The records
 * themselves reach the session through its Glucose Measurement listener.
 * @throws {RacpRequestError} for a failure response code (the records received so far stay).
 * @throws {RacpTimeoutError} after `racpTimeoutMs` without a record or a response (an abort is then sent).
 * @throws {GattTimeoutError} if the write is not answered.
 * @throws {DeviceSessionClosedError} if the link drops.
 */
export function fetchStoredRecords(a: FetchStoredRecordsArgs): Promise<StoredRecordsResult> {
  const { link, racp, timers } = a
  // sequence numbers are u16: after 65535 the filter cannot say "newer"; ask for all (stable Observation ids make repeats harmless)
  const from = a.lastSequence === undefined || a.lastSequence >= 0xffff ? undefined : a.lastSequence + 1
  const request = from === undefined ? racpReportAllRecords() : racpReportRecordsFrom(from)
  const requested = from ?? 'all'
  let received = 0
  return new Promise<StoredRecordsResult>((resolve, reject) => {
    let timer: unknown
    let done = false
    const finish = (settle: () => void): void => {
      if (done) return
      done = true
      timers.clearTimeout(timer)
      link.racpListener = undefined
      link.signal.removeEventListener('abort', onAbort)
      settle()
    }
    const onAbort = (): void => finish(() => reject(new DeviceSessionClosedError('Record Access Control Point: link closed')))
    const onTimeout = (): void => {
      finish(() => reject(new RacpTimeoutError(`Record Access Control Point: no record or response within ${a.racpTimeoutMs} ms`)))
      // GLS 1.0 §3.4.4: abort the procedure in progress; the outcome no longer matters to us
      write(racp, racpAbort()).catch(() => undefined)
    }
    const arm = (): void => {
      timers.clearTimeout(timer)
      timer = timers.setTimeout(onTimeout, a.racpTimeoutMs)
    }
    if (link.signal.aborted) return onAbort()
    link.signal.addEventListener('abort', onAbort, { once: true })
    link.racpListener = (s) => {
      if (s.type === 'glucose') {
        received++
        arm()
        return
      }
      const r = s.value
      // only the response to our request ends the procedure (a number-of-records answer is not ours)
      if (r.kind !== 'response-code' || r.requestOpCode !== RacpOpCode.reportStoredRecords) return
      if (r.code === SUCCESS) finish(() => resolve({ requested, received, outcome: 'success' }))
      else if (r.code === NO_RECORDS_FOUND) finish(() => resolve({ requested, received, outcome: 'no-records' }))
      else finish(() => reject(new RacpRequestError(r.code, r.meaning)))
    }
    arm()
    bounded(write(racp, request), 'write Record Access Control Point', a.operationTimeoutMs, timers, link.signal).catch((err: unknown) =>
      finish(() => reject(err instanceof Error ? err : new Error(String(err))))
    )
  })
}
