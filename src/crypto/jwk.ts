/**
 * Ed25519 keys as JSON Web Keys (RFC 8037 §2): `kty: "OKP"`, `crv: "Ed25519"`, `x` the
 * 32-byte public key and, for a private key, `d` the 32-byte RFC 8032 seed, each base64url
 * without padding (RFC 7515 §2). `jose` signs and verifies JWS with such keys through the
 * platform's WebCrypto Ed25519 (Node 24, Chromium); the secret never leaves this process.
 */
import { base64urlnopad } from '@scure/base'
import { ED25519_PUBLIC_KEY_LENGTH, ED25519_SECRET_KEY_LENGTH, ed25519PublicKey, isEd25519PublicKey } from './sign.ts'
import { assertBytes } from '../lib/index.ts'

/** An Ed25519 public JWK (RFC 8037 §2). */
export interface Ed25519PublicJwk {
  readonly kty: 'OKP'
  readonly crv: 'Ed25519'
  /** base64url of the 32-byte public key. */
  readonly x: string
}

/** An Ed25519 private JWK (RFC 8037 §2): the public members plus `d`. */
export interface Ed25519PrivateJwk extends Ed25519PublicJwk {
  /** base64url of the 32-byte secret seed. */
  readonly d: string
}

/**
 * The public JWK of an Ed25519 public key.
 * @throws {TypeError} if `publicKey` is not a `Uint8Array`.
 * @throws {RangeError} if it is not 32 bytes or not a valid curve point.
 * @example ed25519PublicJwk(pk) // { kty: 'OKP', crv: 'Ed25519', x: '11qYAY…' }
 */
export function ed25519PublicJwk(publicKey: Uint8Array): Ed25519PublicJwk {
  assertBytes(publicKey, 'publicKey', ED25519_PUBLIC_KEY_LENGTH)
  if (!isEd25519PublicKey(publicKey)) throw new RangeError('publicKey: not a valid Ed25519 public key')
  return { kty: 'OKP', crv: 'Ed25519', x: base64urlnopad.encode(publicKey) }
}

/**
 * The private JWK of an Ed25519 secret key (its public key is derived). Hand it only to
 * a signing call; never store or log it.
 * @throws {TypeError} if `secretKey` is not a `Uint8Array`.
 * @throws {RangeError} if it is not 32 bytes.
 * @example await new CompactSign(payload).setProtectedHeader({ alg: 'EdDSA' }).sign(ed25519PrivateJwk(sk))
 */
export function ed25519PrivateJwk(secretKey: Uint8Array): Ed25519PrivateJwk {
  assertBytes(secretKey, 'secretKey', ED25519_SECRET_KEY_LENGTH)
  return { kty: 'OKP', crv: 'Ed25519', x: base64urlnopad.encode(ed25519PublicKey(secretKey)), d: base64urlnopad.encode(secretKey) }
}
