/**
 * Named errors of the record layer. Each extends a base from `../lib/index.ts` and has a
 * stable `name` that callers and tests switch on.
 */
import { FormatError, InputTooLargeError, PhrError } from '../lib/index.ts'

/**
 * A resource failed validation on its way into a compartment. `field` names the offending
 * element as a FHIRPath-like path (`Observation.code`, `DocumentReference.content[0].attachment`)
 * and the message starts with it.
 */
export class ResourceInvalidError extends FormatError {
  override name: string = 'ResourceInvalidError'
  /** The offending element, e.g. `Observation.code`. */
  readonly field: string

  /** @example new ResourceInvalidError('Observation.code', 'is required') // "Observation.code is required" */
  constructor(field: string, problem: string, options?: ErrorOptions) {
    super(`${field} ${problem}`, options)
    this.field = field
  }
}

/** A resource's JSON serialisation exceeds the compartment's per-resource cap. */
export class ResourceTooLargeError extends InputTooLargeError {
  override name: string = 'ResourceTooLargeError'
  /** Serialised size in UTF-8 bytes. */
  readonly bytes: number
  /** The cap it exceeded. */
  readonly maxBytes: number

  constructor(resourceType: string, bytes: number, maxBytes: number) {
    super(`${resourceType}: ${bytes} bytes serialised exceeds the cap of ${maxBytes} bytes`)
    this.bytes = bytes
    this.maxBytes = maxBytes
  }
}

/** No resource of that type and id is in the compartment. */
export class ResourceNotFoundError extends PhrError {
  override name: string = 'ResourceNotFoundError'
  readonly resourceType: string
  readonly id: string

  constructor(resourceType: string, id: string) {
    super(`${resourceType}/${id} not found`)
    this.resourceType = resourceType
    this.id = id
  }
}

/** The resource type has no element that can say `entered-in-error`, so it cannot be withdrawn. */
export class WithdrawNotSupportedError extends PhrError {
  override name: string = 'WithdrawNotSupportedError'
  readonly resourceType: string

  constructor(resourceType: string) {
    super(`${resourceType} has no status element that can be set to entered-in-error`)
    this.resourceType = resourceType
  }
}

/** Bytes given to `Compartment.applyUpdate` are not a well-formed Yjs update. */
export class UpdateFormatError extends FormatError {
  override name: string = 'UpdateFormatError'
}

/**
 * A time-series chunk is malformed: bad header, truncated, non-canonical varint, samples out
 * of order or outside the hour its key names. `key` is the chunk's map key when known.
 */
export class SeriesFormatError extends FormatError {
  override name: string = 'SeriesFormatError'
  /** Map key of the chunk (`series/<code>/<device>/<hourStartIso>`), when known. */
  readonly key: string | undefined

  constructor(message: string, options?: ErrorOptions & { key?: string }) {
    super(options?.key === undefined ? message : `${options.key}: ${message}`, options)
    this.key = options?.key
  }
}
