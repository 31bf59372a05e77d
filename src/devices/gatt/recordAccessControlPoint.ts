/**
 * Record Access Control Point (0x2A52) as the Glucose Service uses it (GLS 1.0 §3.4 and
 * the GATT Specification Supplement "Record Access Control Point" field table).
 *
 * ```
 * op code u8 ‖ operator u8 ‖ operand (per op code and service)
 * op codes: 1 report stored records, 2 delete stored records, 3 abort operation,
 *           4 report number of stored records, 5 number of stored records response,
 *           6 response code
 * operators: 0 null, 1 all records, 2 ≤, 3 ≥, 4 within range, 5 first record, 6 last record
 * GLS filter type (first operand octet of ≤ / ≥ / range): 0x01 sequence number (u16),
 *           0x02 user facing time
 * responses: 5 ‖ 0 ‖ count u16          6 ‖ 0 ‖ request op code u8 ‖ response code u8
 * ```
 */
import { GattReader } from './reader.ts'

const NAME = 'Record Access Control Point (0x2A52)'

/** RACP op codes. */
export const RacpOpCode = {
  /** Report stored records (operator from the operator table). */
  reportStoredRecords: 0x01,
  /** Delete stored records. */
  deleteStoredRecords: 0x02,
  /** Abort the operation in progress (operator null). */
  abortOperation: 0x03,
  /** Report number of stored records. */
  reportNumberOfStoredRecords: 0x04,
  /** Number of stored records response (server → client). */
  numberOfStoredRecordsResponse: 0x05,
  /** Response code (server → client). */
  responseCode: 0x06
} as const

/** RACP response code values with their meaning (GSS, "Response Code Values"). */
export const RACP_RESPONSE_MEANINGS: Readonly<Record<number, string>> = {
  1: 'Success',
  2: 'Op Code not supported',
  3: 'Invalid Operator',
  4: 'Operator not supported',
  5: 'Invalid Operand',
  6: 'No records found',
  7: 'Abort unsuccessful',
  8: 'Procedure not completed',
  9: 'Operand not supported'
}

/** A parsed RACP indication. */
export type RacpResponse =
  | { readonly kind: 'number-of-records'; readonly count: number }
  | { readonly kind: 'response-code'; readonly requestOpCode: number; readonly code: number; readonly meaning: string; readonly success: boolean }

/**
 * "Report stored records — all records": `01 01`.
 * @throws Never.
 */
export function racpReportAllRecords(): Uint8Array {
  return Uint8Array.of(RacpOpCode.reportStoredRecords, 0x01)
}

/**
 * "Report stored records — greater than or equal to sequence number `sequence`":
 * `01 03 01 lo hi` (GLS filter type 0x01 = sequence number).
 * @throws {RangeError} if `sequence` is not an integer 0-65535.
 */
export function racpReportRecordsFrom(sequence: number): Uint8Array {
  if (!Number.isInteger(sequence) || sequence < 0 || sequence > 0xffff) throw new RangeError(`sequence: expected an integer 0-65535, got ${String(sequence)}`)
  return Uint8Array.of(RacpOpCode.reportStoredRecords, 0x03, 0x01, sequence & 0xff, sequence >> 8)
}

/**
 * "Report number of stored records — all records": `04 01`.
 * @throws Never.
 */
export function racpReportNumberOfRecords(): Uint8Array {
  return Uint8Array.of(RacpOpCode.reportNumberOfStoredRecords, 0x01)
}

/**
 * "Abort operation" (operator null): `03 00`.
 * @throws Never.
 */
export function racpAbort(): Uint8Array {
  return Uint8Array.of(RacpOpCode.abortOperation, 0x00)
}

/**
 * Parses an RACP indication from the server: the number of stored records, or a response
 * code for an earlier request (with its named meaning; reserved codes read "Reserved for
 * future use").
 * @throws {GattFormatError} for another op code, a non-null operator, a wrong length.
 * @example parseRacpResponse(new DataView(Uint8Array.of(0x06, 0x00, 0x01, 0x06).buffer))
 *   // { kind: 'response-code', requestOpCode: 1, code: 6, meaning: 'No records found', success: false }
 */
export function parseRacpResponse(value: DataView): RacpResponse {
  const r = new GattReader(value, NAME)
  const op = r.u8('Op Code')
  const operator = r.u8('Operator')
  if (op !== RacpOpCode.numberOfStoredRecordsResponse && op !== RacpOpCode.responseCode) {
    throw r.error('Op Code', `0x${op.toString(16).padStart(2, '0')} is not a response (expected 0x05 or 0x06)`)
  }
  if (operator !== 0x00) throw r.error('Operator', `responses carry the null operator (0x00), got 0x${operator.toString(16).padStart(2, '0')}`)
  if (op === RacpOpCode.numberOfStoredRecordsResponse) {
    const count = r.u16('Operand (Number of Records)')
    r.end()
    return { kind: 'number-of-records', count }
  }
  const requestOpCode = r.u8('Operand (Request Op Code)')
  const code = r.u8('Operand (Response Code Value)')
  r.end()
  return { kind: 'response-code', requestOpCode, code, meaning: RACP_RESPONSE_MEANINGS[code] ?? 'Reserved for future use', success: code === 1 }
}
