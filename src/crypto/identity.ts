/**
 * A person's keys (DESIGN §3) and their 24-word recovery phrase.
 *
 * Everything is derived from 32 bytes of BIP39 entropy, so the phrase alone restores the
 * root Ed25519 key (hence the did) *and* both receiving keys:
 *
 * ```
 * prk       = HKDF-Extract(SHA-256, salt = "phr/v1/recovery", ikm = entropy)
 * ed25519   = HKDF-Expand(prk, "phr/v1/recovery/ed25519",    32)   // RFC 8032 seed
 * x25519    = HKDF-Expand(prk, "phr/v1/recovery/x25519",     32)   // RFC 7748 scalar
 * mlkemSeed = HKDF-Expand(prk, "phr/v1/recovery/ml-kem-768", 64)   // FIPS 203 d ‖ z
 * ```
 *
 * The BIP39 *entropy* is used, not the PBKDF2 "seed" of BIP39 §"From mnemonic to seed":
 * the entropy already has 256 bits, and no BIP39 passphrase is involved.
 */
import { entropyToMnemonic, mnemonicToEntropy } from '@scure/bip39'
import { wordlist } from '@scure/bip39/wordlists/english.js'
import { assertBytes, RecoveryPhraseError, utf8Encode, wipe } from '../lib/index.ts'
import { didKeyFromEd25519 } from './didkey.ts'
import { KdfLabel } from './labels.ts'
import { hkdfSha256, randomBytes } from './primitives.ts'
import { generateSigningKeyPair, type SigningKeyPair } from './sign.ts'
import { mlKem768KeyPair, x25519KeyPair, type AgreementKeyPair } from './kem.ts'

/** Recovery entropy length: 256 bits → 24 words (BIP39 §"Generating the mnemonic"). */
export const RECOVERY_ENTROPY_LENGTH = 32
/** Words in a recovery phrase. */
export const RECOVERY_WORD_COUNT = 24
/** Longest phrase string we look at (24 × the longest English word + spacing, with slack). */
const MAX_PHRASE_LENGTH = 1024
const wordSet: ReadonlySet<string> = new Set(wordlist)

/** A person's secret and public keys. */
export interface PersonKeys {
  /** `did:key` of `signing.publicKey`: the person's id. */
  readonly did: string
  /** Root Ed25519 key: signs profiles, device certs, grants, wraps, envelopes. */
  readonly signing: SigningKeyPair
  /** X25519 receiving key (classical half of the hybrid wrap). */
  readonly agreement: AgreementKeyPair
  /** ML-KEM-768 receiving key (post-quantum half of the hybrid wrap). */
  readonly kem: AgreementKeyPair
}

/**
 * Derives a person's keys from 32 bytes of recovery entropy (deterministic).
 * @throws {TypeError} if `entropy` is not a `Uint8Array`.
 * @throws {RangeError} if it is not 32 bytes.
 */
export function personFromEntropy(entropy: Uint8Array): PersonKeys {
  assertBytes(entropy, 'entropy', RECOVERY_ENTROPY_LENGTH)
  const salt = utf8Encode(KdfLabel.recoverySalt)
  const edSeed = hkdfSha256(entropy, salt, utf8Encode(KdfLabel.recoveryEd25519), 32)
  const xSecret = hkdfSha256(entropy, salt, utf8Encode(KdfLabel.recoveryX25519), 32)
  const kemSeed = hkdfSha256(entropy, salt, utf8Encode(KdfLabel.recoveryMlKem768), 64)
  try {
    const signing = generateSigningKeyPair(edSeed)
    const agreement = x25519KeyPair(xSecret)
    const kem = mlKem768KeyPair(kemSeed)
    return { did: didKeyFromEd25519(signing.publicKey), signing, agreement, kem }
  } finally {
    // the key pairs hold their own copies
    wipe(edSeed, xSecret, kemSeed)
  }
}

/**
 * A new person: fresh entropy (or the given one), its 24-word phrase and the derived keys.
 * Show the phrase once, as the printable recovery kit; store the entropy only sealed.
 * @throws {RangeError} if `init.entropy` is given and is not 32 bytes.
 * @example const { phrase, keys } = createPerson(); keys.did // 'did:key:z6Mk…'
 */
export function createPerson(init: { entropy?: Uint8Array } = {}): {
  phrase: string
  entropy: Uint8Array
  keys: PersonKeys
} {
  if (init.entropy !== undefined) assertBytes(init.entropy, 'entropy', RECOVERY_ENTROPY_LENGTH)
  const entropy = init.entropy === undefined ? randomBytes(RECOVERY_ENTROPY_LENGTH) : init.entropy.slice()
  return { phrase: recoveryPhraseFromEntropy(entropy), entropy, keys: personFromEntropy(entropy) }
}

/**
 * The 24-word BIP39 English phrase of 32 bytes of entropy.
 * @throws {RangeError} if `entropy` is not 32 bytes.
 */
export function recoveryPhraseFromEntropy(entropy: Uint8Array): string {
  assertBytes(entropy, 'entropy', RECOVERY_ENTROPY_LENGTH)
  return entropyToMnemonic(entropy, wordlist)
}

/**
 * Whether `word` (already lowercased and NFKD-normalised) is one of the 2048 BIP39 English words.
 * @throws Never.
 */
export function isRecoveryWord(word: string): boolean {
  return wordSet.has(word)
}

/**
 * Up to `max` BIP39 English words starting with the first letters of `word` (the longest
 * prefix that still matches something, down to one letter): hints for a mistyped word.
 * BIP39 words are unique in their first four letters, so a short prefix is enough.
 * @throws Never.
 */
export function recoveryWordHints(word: string, max = 4): string[] {
  for (let n = Math.min(word.length, 4); n >= 1; n--) {
    const prefix = word.slice(0, n)
    const hits = wordlist.filter((w) => w.startsWith(prefix))
    if (hits.length > 0) return hits.slice(0, max)
  }
  return []
}

/**
 * Normalises a typed phrase (NFKD as BIP39 requires, lowercase, single spaces) and returns
 * its 32 bytes of entropy.
 * @throws {TypeError} if `phrase` is not a string.
 * @throws {RecoveryPhraseError} if it is not 24 BIP39 English words with a valid checksum;
 *   the message names the first unknown word's position.
 */
export function entropyFromRecoveryPhrase(phrase: string): Uint8Array {
  if (typeof phrase !== 'string') throw new TypeError(`phrase: expected string, got ${typeof phrase}`)
  if (phrase.length > MAX_PHRASE_LENGTH) throw new RecoveryPhraseError(`phrase: longer than ${MAX_PHRASE_LENGTH} characters`)
  const words = phrase.normalize('NFKD').toLowerCase().trim().split(/\s+/u)
  if (words.length !== RECOVERY_WORD_COUNT) {
    throw new RecoveryPhraseError(`phrase: expected ${RECOVERY_WORD_COUNT} words, got ${words[0] === '' ? 0 : words.length}`)
  }
  const unknown = words.findIndex((w) => !wordSet.has(w))
  if (unknown >= 0) throw new RecoveryPhraseError(`phrase: word ${unknown + 1} is not in the BIP39 English word list`)
  try {
    return mnemonicToEntropy(words.join(' '), wordlist)
  } catch (err) {
    // with 24 known words the only failure left is the checksum (BIP39: last 8 bits)
    throw new RecoveryPhraseError('phrase: checksum does not match (a word is wrong or out of order)', { cause: err })
  }
}

/**
 * Restores a person's keys from their recovery phrase.
 * @throws {TypeError} if `phrase` is not a string.
 * @throws {RecoveryPhraseError} if the phrase is invalid.
 * @example restorePerson(phrase).did === keys.did // true
 */
export function restorePerson(phrase: string): PersonKeys {
  const entropy = entropyFromRecoveryPhrase(phrase)
  try {
    return personFromEntropy(entropy)
  } finally {
    wipe(entropy)
  }
}

/**
 * Overwrites every secret key in `keys` with zeros (best effort).
 * @throws Never.
 */
export function wipePerson(keys: PersonKeys): void {
  wipe(keys.signing.secretKey, keys.agreement.secretKey, keys.kem.secretKey)
}
