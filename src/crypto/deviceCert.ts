/**
 * Device certificate (DESIGN §3): a person's root key vouches that a libp2p PeerId is
 * one of their devices. Noise proves the PeerId; this binds it to the person.
 *
 * ```
 * cert = 0x01 (version) ‖ person (Ed25519 pk, 32) ‖ peerId (varstring, ≤ 128 bytes)
 *        ‖ name (varstring, ≤ 256 bytes) ‖ issuedAt (varuint, ms since epoch) ‖ sig (64)
 * sig  = Ed25519(person sk, "phr/v1/device-cert" ‖ all bytes before sig)
 * ```
 */
import {
  assertText,
  assertUint,
  createReader,
  createWriter,
  DeviceCertFormatError,
  DeviceCertMismatchError,
  SignatureInvalidError
} from '../lib/index.ts'
import { didKeyFromEd25519 } from './didkey.ts'
import { SignatureLabel } from './labels.ts'
import { isPeerIdString, MAX_PEER_ID_LENGTH } from './peerId.ts'
import { ED25519_PUBLIC_KEY_LENGTH, ed25519PublicKey, verifyLabelled } from './sign.ts'
import { appendSignature, splitSignature } from './signed.ts'

const VERSION = 1
/** Longest device name, in UTF-8 bytes. */
export const MAX_DEVICE_NAME_BYTES = 256
/** Size cap for device-cert bytes. */
export const MAX_DEVICE_CERT_BYTES = 1024

/** A verified device certificate. */
export interface DeviceCert {
  /** `did:key` of the person who certified the device. */
  readonly person: string
  /** The device's libp2p PeerId string. */
  readonly peerId: string
  /** Human name of the device ("Anna's phone"). */
  readonly name: string
  /** When it was issued, in ms since the Unix epoch. */
  readonly issuedAt: number
}

/** The fields a person certifies; `person` is implied by the signing key. */
export type DeviceCertFields = Omit<DeviceCert, 'person'>

/**
 * Issues a device certificate signed by the person's root key.
 * @throws {TypeError} if a field has the wrong type.
 * @throws {RangeError} if `peerId` is not a PeerId string, `name` is too long or not
 *   well-formed, or `issuedAt` is not a safe non-negative integer.
 * @example issueDeviceCert({ peerId: node.peerId.toString(), name: 'Laptop', issuedAt: Date.now() }, rootSk)
 */
export function issueDeviceCert(fields: DeviceCertFields, rootSecretKey: Uint8Array): Uint8Array {
  assertText(fields.peerId, 'peerId', MAX_PEER_ID_LENGTH)
  if (!isPeerIdString(fields.peerId)) throw new RangeError('peerId: not a base58btc libp2p PeerId')
  assertText(fields.name, 'name', MAX_DEVICE_NAME_BYTES)
  assertUint(fields.issuedAt, 'issuedAt')
  const body = createWriter()
    .byte(VERSION)
    .bytes(ed25519PublicKey(rootSecretKey))
    .varString(fields.peerId)
    .varString(fields.name)
    .varUint(fields.issuedAt)
    .finish()
  return appendSignature(SignatureLabel.deviceCert, rootSecretKey, body)
}

/**
 * Decodes and verifies a device certificate; with `expect`, also checks that it binds the
 * given PeerId (e.g. the one Noise authenticated) and/or person.
 * @throws {TypeError} if `bytes` is not a `Uint8Array`.
 * @throws {InputTooLargeError} if `bytes` exceeds `MAX_DEVICE_CERT_BYTES`.
 * @throws {DeviceCertFormatError} if the bytes are malformed.
 * @throws {SignatureInvalidError} if the signature does not verify.
 * @throws {DeviceCertMismatchError} if it is valid but for another PeerId or person.
 */
export function verifyDeviceCert(bytes: Uint8Array, expect: { peerId?: string; person?: string } = {}): DeviceCert {
  const { body, signature } = splitSignature(bytes, 'device cert', MAX_DEVICE_CERT_BYTES, DeviceCertFormatError)
  const r = createReader(body, DeviceCertFormatError)
  const version = r.byte('device cert version')
  if (version !== VERSION) throw new DeviceCertFormatError(`device cert: unsupported version ${version}`)
  const person = r.bytes('person', ED25519_PUBLIC_KEY_LENGTH)
  const peerId = r.varString('peerId', MAX_PEER_ID_LENGTH)
  const name = r.varString('name', MAX_DEVICE_NAME_BYTES)
  const issuedAt = r.varUint('issuedAt')
  r.end('device cert')
  if (!isPeerIdString(peerId)) throw new DeviceCertFormatError('device cert: peerId is not a libp2p PeerId')
  if (!verifyLabelled(SignatureLabel.deviceCert, person, body, signature)) {
    throw new SignatureInvalidError('device cert: signature does not verify')
  }
  const cert: DeviceCert = { person: didKeyFromEd25519(person), peerId, name, issuedAt }
  if (expect.peerId !== undefined && expect.peerId !== cert.peerId) {
    throw new DeviceCertMismatchError(`device cert: issued for ${cert.peerId}, not ${expect.peerId}`)
  }
  if (expect.person !== undefined && expect.person !== cert.person) {
    throw new DeviceCertMismatchError(`device cert: issued by ${cert.person}, not ${expect.person}`)
  }
  return cert
}
