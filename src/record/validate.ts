/**
 * Validation of a FHIR resource on its way into a compartment: identity (resourceType, id),
 * plain JSON, a size cap, the required elements of each known type, required-binding
 * codes and parseable dates. Unknown types with a valid identity are accepted.
 */
import { ResourceInvalidError, ResourceTooLargeError } from './errors.ts'
import type { FhirResource } from './fhir-types.ts'
import { specOf, type ChoiceRule, type ElementKind, type ElementRule, type TypeSpec } from './fhir-spec.ts'
import { cloneJson, isObject, utf8Length } from './json.ts'
import { isFhirInstant, parseFhirDateTime } from './dates.ts'

/** R4 §2.1.0.3 / our rule: a resource type name. */
export const RESOURCE_TYPE_PATTERN = /^[A-Z][A-Za-z]{1,63}$/
/** R4 `id` datatype: 1–64 of `[A-Za-z0-9\-.]`. */
export const RESOURCE_ID_PATTERN = /^[A-Za-z0-9\-.]{1,64}$/
/** R4 `code` datatype: no leading/trailing whitespace, single inner spaces. */
const CODE_PATTERN = /^[^\s]+( [^\s]+)*$/

/** Default cap on one resource's serialised JSON: 1 MiB. */
export const DEFAULT_MAX_RESOURCE_BYTES = 1 << 20

/**
 * Checks a resource type name.
 * @throws {ResourceInvalidError} with field `resourceType` if it does not match `RESOURCE_TYPE_PATTERN`.
 */
export function checkResourceType(type: unknown): asserts type is string {
  if (typeof type !== 'string' || !RESOURCE_TYPE_PATTERN.test(type)) {
    throw new ResourceInvalidError('resourceType', `must match ${String(RESOURCE_TYPE_PATTERN)}, got ${JSON.stringify(type) ?? typeof type}`)
  }
}

/**
 * Checks a resource id.
 * @throws {ResourceInvalidError} with field `<type>.id` if it is not a FHIR id.
 */
export function checkResourceId(type: string, id: unknown): asserts id is string {
  if (id === undefined || id === null) throw new ResourceInvalidError(`${type}.id`, 'is required')
  if (typeof id !== 'string' || !RESOURCE_ID_PATTERN.test(id)) {
    throw new ResourceInvalidError(`${type}.id`, `must be a FHIR id (1-64 of A-Z a-z 0-9 - .), got ${JSON.stringify(id) ?? typeof id}`)
  }
}

/**
 * Validates `input` and returns a fresh, plain copy of it (not frozen) and its size.
 * @throws {ResourceInvalidError} naming the offending field.
 * @throws {ResourceTooLargeError} if its JSON is over `maxBytes` UTF-8 bytes.
 * @example validateResource({ resourceType: 'Observation', id: 'a', status: 'final' }, 1 << 20)
 *   // throws ResourceInvalidError: "Observation.code is required"
 */
export function validateResource(input: unknown, maxBytes: number): { resource: FhirResource; bytes: number } {
  if (!isObject(input)) throw new ResourceInvalidError('resource', 'must be a JSON object')
  const type = input['resourceType']
  checkResourceType(type)
  checkResourceId(type, input['id'])
  const copy = cloneJson(input, type) as FhirResource
  const bytes = utf8Length(JSON.stringify(copy))
  if (bytes > maxBytes) throw new ResourceTooLargeError(type, bytes, maxBytes)
  if (copy.meta !== undefined && !isObject(copy.meta)) throw new ResourceInvalidError(`${type}.meta`, 'must be an object')
  checkSpec(copy, type, specOf(type))
  return { resource: copy, bytes }
}

function checkSpec(r: FhirResource, type: string, spec: TypeSpec): void {
  for (const rule of spec.required) {
    if ('choices' in rule) checkChoice(r, type, rule)
    else checkElement(r, `${type}.${rule.name}`, rule)
  }
  for (const [element, allowed] of Object.entries(spec.codes)) checkCodes(r[element], `${type}.${element}`, allowed)
  for (const b of spec.concepts) {
    const cc = r[b.element]
    if (cc === undefined) continue
    const field = `${type}.${b.element}`
    if (!isObject(cc)) throw new ResourceInvalidError(field, 'must be a CodeableConcept (object)')
    const codings = cc['coding']
    if (codings === undefined) continue
    if (!Array.isArray(codings)) throw new ResourceInvalidError(`${field}.coding`, 'must be an array')
    codings.forEach((c: unknown, i) => {
      if (!isObject(c) || c['system'] !== b.system) return
      if (typeof c['code'] !== 'string' || !b.allowed.includes(c['code'])) {
        throw new ResourceInvalidError(`${field}.coding[${i}].code`, `must be one of ${b.allowed.join('|')} (required binding), got ${JSON.stringify(c['code']) ?? 'nothing'}`)
      }
    })
  }
  for (const path of spec.dates) {
    const value = getPath(r, path)
    if (value !== undefined && Number.isNaN(parseFhirDateTime(value))) {
      throw new ResourceInvalidError(`${type}.${path}`, `must be a FHIR date, dateTime or instant, got ${JSON.stringify(value)}`)
    }
  }
}

function checkChoice(r: FhirResource, type: string, rule: ChoiceRule): void {
  const present = rule.choices.filter((c) => r[c.name] !== undefined && r[c.name] !== null)
  if (present.length === 0) throw new ResourceInvalidError(`${type}.${rule.name}`, 'is required')
  if (present.length > 1) throw new ResourceInvalidError(`${type}.${rule.name}`, `must have exactly one of ${present.map((c) => c.name).join(', ')}`)
  const c = present[0] as ChoiceRule['choices'][number]
  checkKind(r[c.name], `${type}.${c.name}`, c.kind)
}

function checkElement(holder: Record<string, unknown>, field: string, rule: ElementRule): void {
  const value = holder[rule.name]
  checkKind(value, field, rule.kind)
  if (rule.children === undefined) return
  if (rule.kind === 'array') {
    ;(value as unknown[]).forEach((item, i) => {
      if (!isObject(item)) throw new ResourceInvalidError(`${field}[${i}]`, 'must be an object')
      for (const child of rule.children ?? []) checkElement(item, `${field}[${i}].${child.name}`, child)
    })
  } else {
    for (const child of rule.children) checkElement(value as Record<string, unknown>, `${field}.${child.name}`, child)
  }
}

function checkKind(value: unknown, field: string, kind: ElementKind): void {
  if (value === undefined || value === null) throw new ResourceInvalidError(field, 'is required')
  switch (kind) {
    case 'code':
      if (typeof value !== 'string' || !CODE_PATTERN.test(value)) throw new ResourceInvalidError(field, 'must be a code (non-empty string)')
      return
    case 'string':
      if (typeof value !== 'string' || value.trim() === '') throw new ResourceInvalidError(field, 'must be a non-empty string')
      return
    case 'dateTime':
      if (Number.isNaN(parseFhirDateTime(value))) throw new ResourceInvalidError(field, 'must be a FHIR dateTime')
      return
    case 'instant':
      if (!isFhirInstant(value)) throw new ResourceInvalidError(field, 'must be a FHIR instant (date, time and zone)')
      return
    case 'boolean':
      if (typeof value !== 'boolean') throw new ResourceInvalidError(field, 'must be a boolean')
      return
    case 'object':
      if (!isObject(value)) throw new ResourceInvalidError(field, 'must be an object')
      if (Object.keys(value).length === 0) throw new ResourceInvalidError(field, 'must not be empty')
      return
    case 'array':
      if (!Array.isArray(value)) throw new ResourceInvalidError(field, 'must be an array')
      if (value.length === 0) throw new ResourceInvalidError(field, 'is required (at least one)')
      return
  }
}

function checkCodes(value: unknown, field: string, allowed: readonly string[]): void {
  if (value === undefined) return
  const one = (v: unknown, f: string): void => {
    if (typeof v !== 'string' || !allowed.includes(v)) {
      throw new ResourceInvalidError(f, `must be one of ${allowed.join('|')} (required binding), got ${JSON.stringify(v)}`)
    }
  }
  if (Array.isArray(value)) value.forEach((v, i) => one(v, `${field}[${i}]`))
  else one(value, field)
}

/**
 * The value at a dotted path (`effectivePeriod.start`), or `undefined`.
 * @throws Never.
 */
export function getPath(r: Record<string, unknown>, path: string): unknown {
  let cur: unknown = r
  for (const part of path.split('.')) {
    if (!isObject(cur)) return undefined
    cur = cur[part]
  }
  return cur
}
