/**
 * Branded identifiers. A brand is a compile-time tag only: it keeps a doc id from being
 * passed where an author key is expected, at no runtime cost.
 */
import { toHex } from './bytes.ts'
import { assertBytes } from './validate.ts'

/** A person's or practitioner's id: `did:key:z6Mk…` of their Ed25519 root key. */
export type Did = string & { readonly __brand: 'Did' }

/** A libp2p PeerId in its base58btc string form (`12D3KooW…` for Ed25519 keys). */
export type PeerIdString = string & { readonly __brand: 'PeerIdString' }

/** A compartment (Y.Doc) id: 16 random bytes. */
export type DocId = Uint8Array & { readonly __brand: 'DocId' }

/** Lowercase hex of a 32-byte Ed25519 public key; the key of sync-state vectors. */
export type AuthorHex = string & { readonly __brand: 'AuthorHex' }

/** Length of a doc id in bytes (DESIGN §4: "its own random 16-byte id"). */
export const DOC_ID_LENGTH = 16

/** Length of an Ed25519 public key in bytes. */
export const AUTHOR_KEY_LENGTH = 32

/**
 * Brands 16 bytes as a `DocId`.
 * @throws {TypeError} if `bytes` is not a `Uint8Array`.
 * @throws {RangeError} if it is not 16 bytes.
 */
export function asDocId(bytes: Uint8Array): DocId {
  assertBytes(bytes, 'docId', DOC_ID_LENGTH)
  return bytes as DocId
}

/**
 * The `AuthorHex` of a 32-byte Ed25519 public key.
 * @throws {TypeError} if `publicKey` is not a `Uint8Array`.
 * @throws {RangeError} if it is not 32 bytes.
 * @example authorHex(header.author) // '3b6a27bc…' (64 lowercase hex digits)
 */
export function authorHex(publicKey: Uint8Array): AuthorHex {
  assertBytes(publicKey, 'author', AUTHOR_KEY_LENGTH)
  return toHex(publicKey) as AuthorHex
}

const AUTHOR_HEX = /^[0-9a-f]{64}$/

/**
 * Whether `value` is 64 lowercase hex digits (the form `AuthorHex` requires).
 * @throws Never.
 */
export function isAuthorHex(value: unknown): value is AuthorHex {
  return typeof value === 'string' && AUTHOR_HEX.test(value)
}
