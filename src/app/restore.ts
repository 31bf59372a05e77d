/**
 * Bringing one's own record back on a new device from the 24-word recovery phrase.
 *
 * Everything the phrase has to find derives from its entropy (HKDF, one label per use):
 * the person's keys (`personFromEntropy`), the doc id of each fixed compartment
 * (`deriveRecordDocId`), each compartment's epoch-0 key (`deriveFirstEpochKey`) and its
 * rotated epochs' keys (`deriveEpochKey`). A restored device therefore holds the same
 * keyring the record was made with, certifies its own device key with the root key, and
 * fetches the sealed envelopes from where they live: the relay's mailbox (which lets any
 * device the owner certified fetch the owner's docs) and the person's other devices.
 * Visit compartments come back with the audit compartment, whose Consents carry their keys
 * wrapped for the person.
 *
 * Nothing is written before the phrase checked out (every word in the list, the checksum).
 */
import { RecoveryPhraseError, toHex } from '../lib/index.ts'
import {
  deriveEpochSeed,
  deriveFirstEpochKey,
  deriveRecordDocId,
  entropyFromRecoveryPhrase,
  isRecoveryWord,
  personFromEntropy,
  recoveryWordHints,
  RECOVERY_WORD_COUNT,
  wipePerson
} from '../crypto/index.ts'
import { CompartmentKind } from '../record/index.ts'
import type { Keyring } from '../consent/index.ts'
import type { DocId } from '../lib/index.ts'
import type { EnvelopeStore } from '../storage/index.ts'
import { createRecordWithVault, type RecordSession, type RecordSessionOptions } from './record-session.ts'
import { encodeDocSet, encodeOwnMailboxes, MAX_OWN_MAILBOXES, VaultItem } from './vault-items.ts'
import { checkMailboxAddr } from './sync-runtime.ts'

/** Longest text looked at as a phrase (24 words of at most 8 letters, with generous spacing). */
export const MAX_PHRASE_TEXT = 1024

/** One typed word that is not in the BIP39 English list. */
export interface UnknownWord {
  /** 1-based position in the phrase. */
  readonly position: number
  readonly word: string
  /** Words of the list that start like it. */
  readonly hints: string[]
}

/** What a typed phrase amounts to, as the person types it. */
export interface PhraseCheck {
  /** The words, normalised (NFKD, lowercase). */
  readonly words: string[]
  /** Words not in the list, in order. */
  readonly unknown: UnknownWord[]
  /**
   * `incomplete`: not 24 words yet (or too many); `unknown-words`: some word is not in the
   * list; `checksum`: 24 known words whose checksum fails (one is wrong or out of order);
   * `ok`: a valid phrase.
   */
  readonly verdict: 'incomplete' | 'unknown-words' | 'checksum' | 'ok'
}

/** Splits typed text into normalised words (BIP39: NFKD; any whitespace, commas or numbering between). */
function wordsOf(text: string): string[] {
  return text
    .slice(0, MAX_PHRASE_TEXT)
    .normalize('NFKD')
    .toLowerCase()
    // a copy from a numbered list ("1. abandon 2. ability") keeps only the words
    .replace(/[0-9]+[.)]?/g, ' ')
    .split(/[\s,;]+/u)
    .filter((w) => w !== '')
}

/**
 * Checks a typed recovery phrase word by word and, with 24 known words, its checksum.
 * Never throws: the screen shows what is wrong while the person types.
 * @example checkRecoveryPhrase('abandon abandn …').unknown[0] // { position: 2, word: 'abandn', hints: ['abandon'] }
 */
export function checkRecoveryPhrase(text: string): PhraseCheck {
  const words = wordsOf(typeof text === 'string' ? text : '')
  const unknown = words.flatMap((word, i) => (isRecoveryWord(word) ? [] : [{ position: i + 1, word, hints: recoveryWordHints(word) }]))
  if (unknown.length > 0) return { words, unknown, verdict: 'unknown-words' }
  if (words.length !== RECOVERY_WORD_COUNT) return { words, unknown, verdict: 'incomplete' }
  try {
    entropyFromRecoveryPhrase(words.join(' ')).fill(0)
    return { words, unknown, verdict: 'ok' }
  } catch (err) {
    if (err instanceof RecoveryPhraseError) return { words, unknown, verdict: 'checksum' }
    throw err
  }
}

/**
 * The keyring of the person's own record as it was made (`PatientRecords.createOwn`): one
 * compartment of each fixed kind, its doc id and its epoch-0 key derived from the entropy.
 * @throws {RangeError} if `entropy` is not 32 bytes
 */
export function ownRecordKeyring(entropy: Uint8Array): Keyring {
  const seed = deriveEpochSeed(entropy)
  try {
    const keyring: Keyring = new Map()
    for (const kind of Object.values(CompartmentKind)) {
      const docId = deriveRecordDocId(entropy, kind) as DocId
      keyring.set(toHex(docId), { docId, kind, current: 0, epochs: new Map([[0, deriveFirstEpochKey(seed, docId)]]) })
    }
    return keyring
  } finally {
    seed.fill(0)
  }
}

/** What the restore needs. */
export interface RestoreRequest {
  /** The 24 words as typed. */
  readonly phrase: string
  /** The passphrase that opens the record on this device from now on. */
  readonly passphrase: string
  /**
   * Relays the person uses as their own mailboxes (from the sync panel of the lost device),
   * besides the app's configured relay. @default none
   */
  readonly mailboxes?: readonly string[]
  /** scrypt parameters of the new vault (tests lower them). */
  readonly scrypt?: RecordSessionOptions['scrypt']
}

/** A restored record, not yet opened by the app. */
export interface RestoredRecord {
  readonly did: string
  readonly session: RecordSession
  readonly vaultKey: Uint8Array
}

const mailboxesOf = (req: RestoreRequest): string[] => (req.mailboxes ?? []).map((a) => a.trim()).filter((a) => a !== '')

/**
 * Checks a restore request without touching anything: the passphrase, the mailbox
 * addresses and the phrase (every word in the list, then the checksum).
 * @returns the phrase's check (verdict `ok`)
 * @throws {RecoveryPhraseError} naming the first word not in the list, or the failed checksum, or the word count
 * @throws {MailboxAddressError} for a mailbox address that cannot be one
 * @throws {RangeError} for a passphrase under 8 characters or more than `MAX_OWN_MAILBOXES` mailboxes
 */
export function assertRestorable(req: RestoreRequest): PhraseCheck {
  const check = checkRecoveryPhrase(req.phrase)
  if (check.verdict !== 'ok') {
    const first = check.unknown[0]
    throw new RecoveryPhraseError(
      first !== undefined
        ? `phrase: word ${first.position} (${first.word}) is not in the BIP39 English word list`
        : check.verdict === 'checksum'
          ? 'phrase: checksum does not match (a word is wrong or out of order)'
          : `phrase: expected ${RECOVERY_WORD_COUNT} words, got ${check.words.length}`
    )
  }
  if (req.passphrase.length < 8) throw new RangeError('passphrase: at least 8 characters')
  const mailboxes = mailboxesOf(req)
  if (mailboxes.length > MAX_OWN_MAILBOXES) throw new RangeError(`at most ${MAX_OWN_MAILBOXES} mailboxes of your own`)
  for (const a of mailboxes) checkMailboxAddr(a)
  return check
}

/**
 * Makes the person's record on this device from their recovery phrase: the same identity
 * (did, receiving keys, epoch seed) and the same compartments, empty until their envelopes
 * arrive. Every compartment is marked as not synced yet, so nothing reads as "none".
 * @throws {RecoveryPhraseError} when the phrase is not 24 list words with a valid checksum (nothing is written)
 * @throws {MailboxAddressError} for a mailbox address that cannot be one (nothing is written)
 * @throws {RangeError} for a passphrase under 8 characters, more than `MAX_OWN_MAILBOXES` mailboxes, or a store that already holds a record
 */
export async function restoreOwnRecord(store: EnvelopeStore, req: RestoreRequest): Promise<RestoredRecord> {
  const check = assertRestorable(req)
  const mailboxes = mailboxesOf(req)
  const entropy = entropyFromRecoveryPhrase(check.words.join(' '))
  const person = personFromEntropy(entropy)
  try {
    const items = new Map<string, Uint8Array>([
      [VaultItem.person, entropy],
      // nothing has arrived yet: every compartment reads as "not arrived yet" until a first sync
      [VaultItem.syncedDocs, encodeDocSet(new Set())]
    ])
    if (mailboxes.length > 0) items.set(VaultItem.ownMailboxes, encodeOwnMailboxes(mailboxes))
    const { session, vaultKey } = await createRecordWithVault(store, req.passphrase, { keyring: ownRecordKeyring(entropy), items }, req.scrypt === undefined ? {} : { scrypt: req.scrypt })
    return { did: person.did, session, vaultKey }
  } finally {
    entropy.fill(0)
    wipePerson(person)
  }
}
