/**
 * Loads the GATT known-answer vectors (`test/vectors/gatt/*.json`, see the README there)
 * and maps each file's `parser` to the function under test.
 */
import { readFileSync, readdirSync } from 'node:fs'
import * as gatt from '../../src/devices/gatt/index.ts'

export interface ValidVector {
  readonly name: string
  readonly comment: string
  readonly hex: string
  readonly expected: unknown
}
export interface InvalidVector {
  readonly name: string
  readonly comment: string
  readonly hex: string
  readonly error: string
  readonly field: string
}
export interface VectorFile {
  readonly file: string
  readonly characteristic: string
  readonly uuid: string
  readonly parser: string
  readonly source: string
  readonly valid: ValidVector[]
  readonly invalid: InvalidVector[]
}

const DIR = new URL('../vectors/gatt/', import.meta.url)

/** JSON cannot hold NaN: the vectors spell it "NaN" (e.g. a BP mean arterial pressure). */
const revive = (_key: string, v: unknown): unknown => (v === 'NaN' ? Number.NaN : v === 'Infinity' ? Number.POSITIVE_INFINITY : v === '-Infinity' ? Number.NEGATIVE_INFINITY : v)

export const VECTOR_FILES: VectorFile[] = readdirSync(DIR)
  .filter((f) => f.endsWith('.json') && f !== 'ieee11073.json')
  .sort()
  .map((file) => ({ file, ...(JSON.parse(readFileSync(new URL(file, DIR), 'utf8'), revive) as Omit<VectorFile, 'file'>) }))

export const IEEE11073 = JSON.parse(readFileSync(new URL('ieee11073.json', DIR), 'utf8'), revive) as {
  sfloat: { raw: string; value: number; comment: string }[]
  float: { raw: string; value: number; comment: string }[]
}

export type Parser = (value: DataView) => unknown

/** The parser a vector file names (`parseX`, or `parseDeviceInformationString:<which>`). */
export function parserOf(name: string): Parser {
  const [fn, arg] = name.split(':') as [string, string | undefined]
  if (fn === 'parseDeviceInformationString') return (v) => gatt.parseDeviceInformationString(v, arg as gatt.DeviceInformationString)
  const f = (gatt as unknown as Record<string, unknown>)[fn]
  if (typeof f !== 'function') throw new Error(`no parser ${fn}`)
  return f as Parser
}

export function fromHex(hex: string): Uint8Array {
  const clean = hex.replace(/\s+/g, '')
  const out = new Uint8Array(clean.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16)
  return out
}

/** `bytes` as a DataView at offset `pad` of a larger buffer filled with 0xA5 around it. */
export function viewOf(bytes: Uint8Array, pad = 0): DataView {
  const buf = new Uint8Array(bytes.length + 2 * pad).fill(0xa5)
  buf.set(bytes, pad)
  return new DataView(buf.buffer, pad, bytes.length)
}
