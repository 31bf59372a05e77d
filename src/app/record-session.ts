/**
 * A record opened on this device: its compartments (CRDT docs), each bound to the
 * envelope store through the persistence binding, with keys from the sealed vault.
 *
 * At rest everything is ciphertext: envelopes and snapshots (sealed under each
 * compartment's epoch key), the keyring and the device key (sealed under the vault key),
 * and the vault key (sealed under the passphrase with scrypt).
 */
import { toHex, type DocId } from '../lib/index.ts'
import { generateSigningKeyPair, openSecret, randomBytes, sealSecret, type ScryptParams } from '../crypto/index.ts'
import { CompartmentKind, createCompartment, mergeUpdates, type Compartment, type CompartmentKind as Kind } from '../record/index.ts'
import { addCompartment, decodeKeyring, encodeKeyring, epochKeyOf, openVaultItem, sealVaultItem, type CompartmentKeys, type Keyring } from '../consent/index.ts'
import { parseEnvelopeHeader } from '../envelope/index.ts'
import { createPersistence, MAX_SNAPSHOT_BYTES, type EnvelopeStore, type LoadOptions, type LoadReport, type StoredDoc, type Persistence, type PersistableDoc } from '../storage/index.ts'

/** Meta record names in the store. */
const META = { vaultKey: 'vault-key', keyring: 'keyring', device: 'device' } as const

/** There is no record in this store yet. */
export class NoRecordError extends Error {
  override name: string = 'NoRecordError'
}

/** Options shared by create and open. */
export interface RecordSessionOptions {
  /** Wall clock. @default Date.now */
  clock?: () => number
  /** scrypt parameters for a new vault (tests lower them). @default the key store's */
  scrypt?: ScryptParams
  /** Local updates gather this long before they are sealed. @default 200 ms */
  batchMs?: number
}

/** A compartment and its binding to storage. */
export interface OpenCompartment {
  readonly compartment: Compartment
  readonly persistence: Persistence
  /** What was found when it was opened (damaged envelopes are named here). */
  readonly report: LoadReport
}

/** An open record. */
export interface RecordSession {
  readonly store: EnvelopeStore
  /** This device's signing key pair: the author of what it writes. */
  readonly device: { publicKey: Uint8Array; secretKey: Uint8Array }
  /** Every compartment, by kind. */
  readonly compartments: ReadonlyMap<Kind, OpenCompartment>
  /**
   * The record's keyring, the very object the compartments seal with: a rotation made on
   * it (the consent ledger's) takes effect for the next envelope. Sealed at rest only.
   */
  readonly keyring: Keyring
  /**
   * Binds a compartment added to the keyring after opening (a `visit:<grantId>` one).
   * @throws {RangeError} when it is not in the keyring or already bound
   */
  bindCompartment(docHex: string): Promise<OpenCompartment>
  /**
   * Sets who may change which compartment (checked before the signature of every envelope
   * stored or received from now on, in every compartment, those bound later included).
   * Until set, anyone who can seal under a compartment's keys may.
   */
  setWriteCheck(isAllowed: (docHex: string, author: Uint8Array) => boolean): void
  /**
   * Lets this device open envelopes sealed under an epoch another of the person's devices
   * rotated to (after a revocation there): the key is derived (`derive`, from the person's
   * epoch seed), tried, and kept once an envelope under it opened; the compartment then seals
   * under that epoch too, and `changed` is called so the keyring is saved. At most
   * `MAX_EPOCHS_AHEAD` past the current epoch.
   */
  setEpochDerivation(derive: (docId: Uint8Array, epoch: number) => Uint8Array, changed: () => void): void
  /** One compartment. @throws {RangeError} when the record has none of that kind */
  get(kind: Kind): Compartment
  /** Resolves when every change made so far is committed to storage. */
  whenSaved(): Promise<void>
  /** Snapshots every compartment (after the state check) and lets the store drop what is covered. */
  compact(): Promise<number>
  /** Saves and releases everything (the store stays open: the caller owns it). */
  close(): Promise<void>
}

/** The compartment as the persistence binding sees it: only its own (local) changes are sealed. */
export function persistableCompartment(c: Compartment): PersistableDoc {
  return {
    // only this device's own changes are sealed; what came from storage or peers is theirs
    onUpdate: (listener) =>
      c.onUpdate((update, origin, local) => {
        if (local) listener(update, origin)
      }),
    applyUpdate: (update, origin) => c.applyUpdate(update, origin),
    encodeState: () => c.encodeState(),
    mergeUpdates: (updates) => mergeUpdates(updates),
    stateMatches: (state) => c.stateMatches(state),
    encodeStateParts: (target) => c.encodeStateParts(target),
    stateMatchesParts: (parts) => c.stateMatchesParts(parts)
  }
}

/** How far past its current epoch a compartment derives keys for what it receives. */
export const MAX_EPOCHS_AHEAD = 16

/** Options of one compartment's binding. */
export interface BindOptions extends RecordSessionOptions {
  /** Whether `author` may write this compartment (e.g. a visit compartment: only the grantee's device and the owner's). @default anyone who can seal under its keys */
  isAllowed?: (docHex: string, author: Uint8Array) => boolean
  /** A rotated epoch's key, derived (see `RecordSession.setEpochDerivation`). @default none */
  deriveEpoch?: (docId: Uint8Array, epoch: number) => Uint8Array | undefined
  /** Called when a derived epoch was learnt (the keyring changed). */
  epochLearnt?: () => void
  /** Opening: called as the stored record is applied, with the fraction done (0..1). */
  onOpenProgress?: (fraction: number) => void
}

/**
 * Binds one compartment of `keyring` to `store`: envelopes sealed under its current epoch,
 * opened with any epoch the keyring holds; loads what is stored (never the network).
 */
export async function bindCompartment(
  store: EnvelopeStore,
  keyring: Keyring,
  keys: CompartmentKeys,
  device: RecordSession['device'],
  opts: BindOptions,
  load: LoadOptions = {}
): Promise<OpenCompartment> {
    const hex = toHex(keys.docId)
    const allowed = opts.isAllowed
    const compartment = createCompartment({ kind: keys.kind as Kind, docId: keys.docId, ...(opts.clock === undefined ? {} : { clock: opts.clock }) })
    const persistence = createPersistence({
      docId: keys.docId,
      doc: persistableCompartment(compartment),
      store,
      batchMs: opts.batchMs ?? 200,
      keys: {
        author: device,
        sealing: () => {
          const key = keys.epochs.get(keys.current)
          if (key === undefined) throw new RangeError(`no key for the current epoch of ${keys.kind}`)
          return { epoch: keys.current, key }
        },
        // a key not held yet is only derived and tried here; it is kept once an envelope opened with it
        epochKey: (docId, epoch) =>
          epochKeyOf(keyring, docId, epoch) ?? (epoch >= 1 && epoch <= keys.current + MAX_EPOCHS_AHEAD ? opts.deriveEpoch?.(docId, epoch) : undefined),
        ...(allowed === undefined ? {} : { isAllowed: (author: Uint8Array) => allowed(hex, author) })
      }
    })
    persistence.onStored((envelopes) => {
      // everything stored has opened: an epoch seen here is real, and newer ones are sealed under from now on
      let changed = false
      for (const bytes of envelopes) {
        const epoch = parseEnvelopeHeader(bytes, { maxBytes: MAX_SNAPSHOT_BYTES }).epoch
        if (!keys.epochs.has(epoch)) {
          const key = epoch >= 1 ? opts.deriveEpoch?.(keys.docId, epoch) : undefined
          if (key === undefined) continue
          keys.epochs.set(epoch, key)
          changed = true
        }
        if (epoch > keys.current) {
          keys.current = epoch
          changed = true
        }
      }
      if (changed) opts.epochLearnt?.()
    })
    const report = await persistence.load(load)
    return { compartment, persistence, report }
}

async function bind(store: EnvelopeStore, keyring: Keyring, device: RecordSession['device'], opts: BindOptions): Promise<Map<Kind, OpenCompartment>> {
  const out = new Map<Kind, OpenCompartment>()
  const onProgress = opts.onOpenProgress
  if (onProgress === undefined) {
    for (const keys of keyring.values()) out.set(keys.kind as Kind, await bindCompartment(store, keyring, keys, device, opts))
    return out
  }
  // read every compartment first, so that progress is weighed by what each holds
  const all = [...keyring.values()]
  const stored = await Promise.all(all.map((keys) => store.read(keys.docId)))
  const total = stored.reduce((n, d) => n + (d.snapshot?.length ?? 0) + d.envelopes.reduce((m, b) => m + b.length, 0), 0)
  let before = 0
  onProgress(0)
  for (const [i, keys] of all.entries()) {
    let last = 0
    const c = await bindCompartment(store, keyring, keys, device, opts, {
      stored: stored[i] as StoredDoc,
      onProgress: (done) => {
        last = done
        onProgress(total === 0 ? 1 : Math.min(1, (before + done) / total))
      }
    })
    before += last
    out.set(keys.kind as Kind, c)
  }
  onProgress(1)
  return out
}

/** Binding options whose write check and epoch derivation can be set later (`RecordSession`). */
interface CheckedOptions {
  readonly opts: BindOptions
  set(isAllowed: (docHex: string, author: Uint8Array) => boolean): void
  setDerivation(derive: (docId: Uint8Array, epoch: number) => Uint8Array, changed: () => void): void
}

function withWriteCheck(opts: BindOptions): CheckedOptions {
  let check = opts.isAllowed
  let derive = opts.deriveEpoch
  let learnt = opts.epochLearnt
  return {
    opts: {
      ...opts,
      isAllowed: (docHex, author) => check?.(docHex, author) ?? true,
      deriveEpoch: (docId, epoch) => derive?.(docId, epoch),
      epochLearnt: () => learnt?.()
    },
    set: (isAllowed) => {
      check = isAllowed
    },
    setDerivation: (d, changed) => {
      derive = d
      learnt = changed
    }
  }
}

function session(store: EnvelopeStore, device: RecordSession['device'], keyring: Keyring, compartments: Map<Kind, OpenCompartment>, checked: CheckedOptions): RecordSession {
  const all = (): OpenCompartment[] => [...compartments.values()]
  const opts = checked.opts
  return {
    setWriteCheck: (isAllowed) => checked.set(isAllowed),
    setEpochDerivation: (derive, changed) => checked.setDerivation(derive, changed),
    store,
    device,
    compartments,
    keyring,
    async bindCompartment(docHex) {
      const keys = keyring.get(docHex)
      if (keys === undefined) throw new RangeError('bindCompartment: not in the keyring')
      if (compartments.has(keys.kind as Kind)) throw new RangeError(`bindCompartment: ${keys.kind} is already bound`)
      const c = await bindCompartment(store, keyring, keys, device, opts)
      compartments.set(keys.kind as Kind, c)
      return c
    },
    get(kind) {
      const c = compartments.get(kind)
      if (c === undefined) throw new RangeError(`this record has no ${kind} compartment`)
      return c.compartment
    },
    async whenSaved() {
      await Promise.all(all().map((c) => c.persistence.whenSaved()))
    },
    async compact() {
      let removed = 0
      for (const c of all()) {
        c.compartment.compact()
        await c.persistence.whenSaved()
        removed += await c.persistence.compact()
      }
      return removed
    },
    async close() {
      for (const c of all()) {
        await c.persistence.close()
        c.compartment.destroy()
      }
    }
  }
}

/**
 * Creates a new, empty record in `store`: a vault key sealed under the passphrase, a
 * device key, and one compartment of each fixed kind, each with a fresh epoch-0 key.
 * @throws {RangeError} when the store already holds a record
 */
export async function createRecordSession(store: EnvelopeStore, passphrase: string, opts: RecordSessionOptions = {}): Promise<RecordSession> {
  const { session: s, vaultKey } = await createRecordWithVault(store, passphrase, {}, opts)
  vaultKey.fill(0)
  return s
}

/** What a new record starts from, when it is not made fresh (a linked device). */
export interface RecordContents {
  /** The record's keyring. @default one fresh compartment of each fixed kind */
  keyring?: Keyring
  /** This device's signing secret key. @default a fresh one */
  deviceSecretKey?: Uint8Array
  /** More vault items, sealed under the vault key and stored before it (name → plaintext). */
  items?: ReadonlyMap<string, Uint8Array>
}

/**
 * Creates a record in `store` as `createRecordSession` does, from given contents, and
 * returns the unlocked vault key with the session (the caller wipes it when the record
 * is locked). Every item is written before the vault key, so a crash or a failure before
 * the end leaves nothing that opens.
 * @throws {RangeError} when the store already holds a record, or an item's name is reserved
 */
export async function createRecordWithVault(
  store: EnvelopeStore,
  passphrase: string,
  contents: RecordContents,
  opts: RecordSessionOptions = {}
): Promise<{ session: RecordSession; vaultKey: Uint8Array }> {
  if ((await store.getMeta(META.vaultKey)) !== undefined) throw new RangeError('this store already holds a record')
  const reserved = new Set<string>(Object.values(META))
  for (const name of contents.items?.keys() ?? []) if (reserved.has(name)) throw new RangeError(`vault item name ${name} is reserved`)
  const vaultKey = randomBytes(32)
  const device = generateSigningKeyPair(contents.deviceSecretKey)
  let keyring = contents.keyring
  if (keyring === undefined) {
    keyring = new Map()
    for (const kind of Object.values(CompartmentKind)) addCompartment(keyring, kind)
  }
  // the keyring, the device key and the items first, the vault key last: a crash in
  // between leaves no half-made record that would open
  await store.putMeta(META.keyring, sealVaultItem(vaultKey, META.keyring, encodeKeyring(keyring)))
  await store.putMeta(META.device, sealVaultItem(vaultKey, META.device, device.secretKey))
  for (const [name, bytes] of contents.items ?? []) await store.putMeta(name, sealVaultItem(vaultKey, name, bytes))
  await store.putMeta(META.vaultKey, await sealSecret(vaultKey, passphrase, opts.scrypt === undefined ? {} : { params: opts.scrypt }))
  const checked = withWriteCheck(opts)
  return { session: session(store, device, keyring, await bind(store, keyring, device, checked.opts), checked), vaultKey }
}

/**
 * Unlocks the vault of the record in `store`: the passphrase opens the vault key (scrypt).
 * The caller wipes the key (`.fill(0)`) when the record is locked.
 * @throws {NoRecordError} when the store holds no record
 * @throws {WrongPassphraseError} for a wrong passphrase (nothing is changed)
 */
export async function unlockVault(store: EnvelopeStore, passphrase: string): Promise<Uint8Array> {
  const sealedVaultKey = await store.getMeta(META.vaultKey)
  if (sealedVaultKey === undefined) throw new NoRecordError('there is no record on this device')
  return openSecret(sealedVaultKey, passphrase)
}

/**
 * Opens the record in `store` with an unlocked vault key. Opening never touches the network.
 * @throws {NoRecordError} when the record's keyring is missing
 * @throws {DecryptError} when the vault key does not open it
 */
export async function openRecordWithVaultKey(store: EnvelopeStore, vaultKey: Uint8Array, opts: BindOptions = {}): Promise<RecordSession> {
  const { keyring, device } = await openVaultContents(store, vaultKey)
  const checked = withWriteCheck(opts)
  return session(store, device, keyring, await bind(store, keyring, device, checked.opts), checked)
}

/**
 * The keyring and the device key from an unlocked vault.
 * @throws {NoRecordError} when they are missing
 * @throws {DecryptError} when the vault key does not open them
 */
export async function openVaultContents(store: EnvelopeStore, vaultKey: Uint8Array): Promise<{ keyring: Keyring; device: RecordSession['device'] }> {
  const keyringBytes = await store.getMeta(META.keyring)
  const deviceBytes = await store.getMeta(META.device)
  if (keyringBytes === undefined || deviceBytes === undefined) throw new NoRecordError('the record on this device is incomplete')
  return {
    keyring: decodeKeyring(openVaultItem(vaultKey, META.keyring, keyringBytes)),
    device: generateSigningKeyPair(openVaultItem(vaultKey, META.device, deviceBytes))
  }
}

/**
 * Opens the record in `store` with the passphrase. Opening never touches the network.
 * @throws {NoRecordError} when the store holds none
 * @throws {WrongPassphraseError} for a wrong passphrase (nothing is changed)
 */
export async function openRecordSession(store: EnvelopeStore, passphrase: string, opts: RecordSessionOptions = {}): Promise<RecordSession> {
  const vaultKey = await unlockVault(store, passphrase)
  try {
    return await openRecordWithVaultKey(store, vaultKey, opts)
  } finally {
    vaultKey.fill(0)
  }
}

/**
 * Seals the keyring into the vault again (after a rotation or a new compartment): the
 * next open reads the new epochs.
 */
export async function saveKeyring(store: EnvelopeStore, vaultKey: Uint8Array, keyring: Keyring): Promise<void> {
  await store.putMeta(META.keyring, sealVaultItem(vaultKey, META.keyring, encodeKeyring(keyring)))
}

/** The doc id of each compartment (hex), e.g. for sync registration. */
export function docIds(s: RecordSession): Map<Kind, DocId> {
  return new Map([...s.compartments].map(([k, c]) => [k, c.compartment.docId]))
}

