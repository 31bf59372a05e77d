/**
 * What the sync runtime keeps about the person and the other devices of a record, sealed
 * in the record's vault beside the keyring (never in plaintext: which devices someone
 * owns is itself private):
 *
 * ```
 * person         = entropy (32): the person's recovery entropy; every key derives from it
 * device-cert    = this device's certificate, signed by the person's root key
 * linked-devices = 0x01 ‖ n (varuint ≤ 64) ‖ n × (peerId (varstring ≤ 128) ‖ name (varstring ≤ 256) ‖ linkedAt (varuint))
 * synced-docs    = 0x01 ‖ n (varuint ≤ 4096) ‖ n × docId (16): on a linked device, the
 *                  compartments that finished a first sync with another of the person's
 *                  devices (absent on the device that made the record: it holds all of it)
 * deposit-marks  = 0x01 ‖ n (varuint ≤ 4096) ‖ n × (mailbox (varstring ≤ 128) ‖ docId (16) ‖ seq (varuint)):
 *                  per mailbox (its relay's PeerId) and compartment, the highest of this
 *                  device's own seqs it holds; what is above it is deposited on the next
 *                  connection, also after the app was closed in between
 * ```
 */
import { createReader, createWriter, DOC_ID_LENGTH, FormatError, toHex } from '../lib/index.ts'
import { openVaultItem, sealVaultItem } from '../consent/index.ts'
import { createPerson, isPeerIdString, issueDeviceCert, personFromEntropy, RECOVERY_ENTROPY_LENGTH, verifyDeviceCert, type DeviceCert, type PersonKeys } from '../crypto/index.ts'
import { peerIdOfAuthorKey } from '../sync/index.ts'
import type { EnvelopeStore } from '../storage/index.ts'

/** Names of the sync runtime's vault items. */
export const VaultItem = {
  /** The person's recovery entropy. */
  person: 'person',
  /** This device's certificate. */
  deviceCert: 'device-cert',
  /** The person's other devices this one knows. */
  linkedDevices: 'linked-devices',
  /** Compartments known to be whole here (made here, or synced once). */
  syncedDocs: 'synced-docs',
  /** How far each mailbox holds this device's envelopes. */
  depositMarks: 'deposit-marks',
  /** Relays the person added as their own mailboxes. */
  ownMailboxes: 'own-mailboxes',
  /**
   * After a handover (`handover.ts`): the recovery entropy of the record's person before it.
   * Mailboxes bind a compartment to the first owner key that registered it, so this device
   * keeps signing its registrations with that key, listing the new person as a party.
   */
  previousPerson: 'previous-person'
} as const

/** Most mailboxes of one's own. */
export const MAX_OWN_MAILBOXES = 8

/** A vault item is malformed. */
export class VaultItemFormatError extends FormatError {
  override name: string = 'VaultItemFormatError'
}

/** Another device of the same person. */
export interface LinkedDevice {
  readonly peerId: string
  readonly name: string
  /** When it was linked (ms since the epoch). */
  readonly linkedAt: number
}

const VERSION = 1
/** Most devices remembered. */
export const MAX_LINKED_DEVICES = 64
const MAX_DOCS = 4096

/**
 * Encodes the list of linked devices.
 * @throws {RangeError} for more than `MAX_LINKED_DEVICES` or a malformed PeerId
 */
export function encodeLinkedDevices(devices: readonly LinkedDevice[]): Uint8Array {
  if (devices.length > MAX_LINKED_DEVICES) throw new RangeError(`linked devices: more than ${MAX_LINKED_DEVICES}`)
  const w = createWriter().byte(VERSION).varUint(devices.length)
  for (const d of devices) {
    if (!isPeerIdString(d.peerId)) throw new RangeError('linked devices: not a PeerId')
    w.varString(d.peerId).varString(d.name).varUint(d.linkedAt)
  }
  return w.finish()
}

/**
 * Decodes the list of linked devices.
 * @throws {VaultItemFormatError} for anything but a well-formed list
 */
export function decodeLinkedDevices(bytes: Uint8Array): LinkedDevice[] {
  const r = createReader(bytes, VaultItemFormatError)
  if (r.byte('version') !== VERSION) throw new VaultItemFormatError('linked devices: unknown version')
  const n = r.varUint('count', 0, MAX_LINKED_DEVICES)
  const out: LinkedDevice[] = []
  for (let i = 0; i < n; i++) {
    const peerId = r.varString('peerId', 128)
    if (!isPeerIdString(peerId)) throw new VaultItemFormatError('linked devices: not a PeerId')
    out.push({ peerId, name: r.varString('name', 256), linkedAt: r.varUint('linkedAt') })
  }
  r.end('linked devices')
  return out
}

/** Encodes a set of doc ids (hex). @throws {RangeError} for too many or a malformed id */
export function encodeDocSet(docs: ReadonlySet<string>): Uint8Array {
  if (docs.size > MAX_DOCS) throw new RangeError(`doc set: more than ${MAX_DOCS}`)
  const w = createWriter().byte(VERSION).varUint(docs.size)
  for (const hex of docs) {
    if (!/^[0-9a-f]{32}$/.test(hex)) throw new RangeError('doc set: not a doc id')
    for (let i = 0; i < DOC_ID_LENGTH; i++) w.byte(parseInt(hex.slice(2 * i, 2 * i + 2), 16))
  }
  return w.finish()
}

/** Per mailbox (its PeerId), per compartment (doc id hex): the highest own seq it holds. */
export type DepositMarks = Map<string, Map<string, number>>

const docIdBytes = (hex: string, what: string): Uint8Array => {
  if (!/^[0-9a-f]{32}$/.test(hex)) throw new RangeError(`${what}: not a doc id`)
  return Uint8Array.from({ length: DOC_ID_LENGTH }, (_, i) => parseInt(hex.slice(2 * i, 2 * i + 2), 16))
}

/** Encodes deposit marks. @throws {RangeError} for too many entries, a malformed id or seq */
export function encodeDepositMarks(marks: DepositMarks): Uint8Array {
  const entries = [...marks].flatMap(([mailbox, docs]) => [...docs].map(([doc, seq]) => ({ mailbox, doc, seq })))
  if (entries.length > MAX_DOCS) throw new RangeError(`deposit marks: more than ${MAX_DOCS}`)
  const w = createWriter().byte(VERSION).varUint(entries.length)
  for (const e of entries) {
    if (!isPeerIdString(e.mailbox)) throw new RangeError('deposit marks: not a PeerId')
    if (!Number.isSafeInteger(e.seq) || e.seq < 0) throw new RangeError('deposit marks: not a seq')
    w.varString(e.mailbox).bytes(docIdBytes(e.doc, 'deposit marks')).varUint(e.seq)
  }
  return w.finish()
}

/** Decodes deposit marks. @throws {VaultItemFormatError} for anything but well-formed marks */
export function decodeDepositMarks(bytes: Uint8Array): DepositMarks {
  const r = createReader(bytes, VaultItemFormatError)
  if (r.byte('version') !== VERSION) throw new VaultItemFormatError('deposit marks: unknown version')
  const n = r.varUint('count', 0, MAX_DOCS)
  const out: DepositMarks = new Map()
  for (let i = 0; i < n; i++) {
    const mailbox = r.varString('mailbox', 128)
    if (!isPeerIdString(mailbox)) throw new VaultItemFormatError('deposit marks: not a PeerId')
    const doc = toHex(r.bytes('docId', DOC_ID_LENGTH))
    const seq = r.varUint('seq')
    let docs = out.get(mailbox)
    if (docs === undefined) out.set(mailbox, (docs = new Map<string, number>()))
    docs.set(doc, seq)
  }
  r.end('deposit marks')
  return out
}

/** Encodes the list of one's own mailboxes. @throws {RangeError} for too many or too long */
export function encodeOwnMailboxes(addrs: readonly string[]): Uint8Array {
  if (addrs.length > MAX_OWN_MAILBOXES) throw new RangeError(`own mailboxes: more than ${MAX_OWN_MAILBOXES}`)
  const w = createWriter().byte(VERSION).varUint(addrs.length)
  for (const a of addrs) {
    if (a.length === 0 || a.length > 512) throw new RangeError('own mailboxes: an address must have 1 to 512 characters')
    w.varString(a)
  }
  return w.finish()
}

/** Decodes the list of one's own mailboxes. @throws {VaultItemFormatError} for anything but a well-formed list */
export function decodeOwnMailboxes(bytes: Uint8Array): string[] {
  const r = createReader(bytes, VaultItemFormatError)
  if (r.byte('version') !== VERSION) throw new VaultItemFormatError('own mailboxes: unknown version')
  const n = r.varUint('count', 0, MAX_OWN_MAILBOXES)
  const out: string[] = []
  for (let i = 0; i < n; i++) out.push(r.varString('address', 512))
  r.end('own mailboxes')
  return out
}

/** Decodes a set of doc ids. @throws {VaultItemFormatError} for anything but a well-formed set */
export function decodeDocSet(bytes: Uint8Array): Set<string> {
  const r = createReader(bytes, VaultItemFormatError)
  if (r.byte('version') !== VERSION) throw new VaultItemFormatError('doc set: unknown version')
  const n = r.varUint('count', 0, MAX_DOCS)
  const out = new Set<string>()
  for (let i = 0; i < n; i++) out.add(toHex(r.bytes('docId', DOC_ID_LENGTH)))
  r.end('doc set')
  return out
}

/** The sealed items of one open record, read and written with its vault key. */
export interface RecordVault {
  /** The person's keys (made and stored on first use for a record made before linking existed). */
  person(): Promise<PersonKeys>
  /** The person's recovery entropy (for handing to a newly linked device). */
  personEntropy(): Promise<Uint8Array>
  /** This device's certificate bytes (issued on first use, named `deviceName`). */
  deviceCert(deviceName: string): Promise<{ bytes: Uint8Array; cert: DeviceCert }>
  linkedDevices(): Promise<LinkedDevice[]>
  /** Adds or renames a linked device. */
  addLinkedDevice(device: LinkedDevice): Promise<LinkedDevice[]>
  /** Compartments known whole here; `undefined` when the record was made on this device (all of them). */
  syncedDocs(): Promise<Set<string> | undefined>
  /** Notes that a compartment finished a sync (nothing to do for a record made here). */
  markSynced(docHex: string): Promise<void>
  /** How far each mailbox holds this device's envelopes. */
  depositMarks(): Promise<DepositMarks>
  /** Raises the mark of one mailbox and compartment to `seq` (never lowers it). */
  markDeposited(mailbox: string, docHex: string, seq: number): Promise<void>
  /** Relays the person added as their own mailboxes (multiaddrs). */
  ownMailboxes(): Promise<string[]>
  /** Replaces that list. */
  setOwnMailboxes(addrs: readonly string[]): Promise<void>
}

/**
 * The vault items of the record in `store`, unlocked with `vaultKey`. `devicePublicKey`
 * is this device's author key (its PeerId).
 */
export function recordVault(store: EnvelopeStore, vaultKey: Uint8Array, devicePublicKey: Uint8Array, clock: () => number = Date.now): RecordVault {
  const read = async (name: string): Promise<Uint8Array | undefined> => {
    const sealed = await store.getMeta(name)
    return sealed === undefined ? undefined : openVaultItem(vaultKey, name, sealed)
  }
  const write = (name: string, bytes: Uint8Array): Promise<void> => store.putMeta(name, sealVaultItem(vaultKey, name, bytes))
  const entropy = async (): Promise<Uint8Array> => {
    let bytes = await read(VaultItem.person)
    if (bytes === undefined) {
      // a record made before devices could be linked: it gets its person now
      bytes = createPerson().entropy
      await write(VaultItem.person, bytes)
    }
    if (bytes.length !== RECOVERY_ENTROPY_LENGTH) throw new VaultItemFormatError('person: wrong length')
    return bytes
  }
  // one write at a time, so that two additions never lose one another
  let chain: Promise<unknown> = Promise.resolve()
  const serial = <T>(task: () => Promise<T>): Promise<T> => {
    const next = chain.then(task, task)
    chain = next.catch(() => undefined)
    return next
  }
  const linked = async (): Promise<LinkedDevice[]> => {
    const bytes = await read(VaultItem.linkedDevices)
    return bytes === undefined ? [] : decodeLinkedDevices(bytes)
  }
  const synced = async (): Promise<Set<string> | undefined> => {
    const bytes = await read(VaultItem.syncedDocs)
    return bytes === undefined ? undefined : decodeDocSet(bytes)
  }
  const marks = async (): Promise<DepositMarks> => {
    const bytes = await read(VaultItem.depositMarks)
    return bytes === undefined ? new Map() : decodeDepositMarks(bytes)
  }
  const me = peerIdOfAuthorKey(devicePublicKey)
  return {
    person: () => serial(async () => personFromEntropy(await entropy())),
    personEntropy: () => serial(entropy),
    deviceCert: (deviceName) =>
      serial(async () => {
        const held = await read(VaultItem.deviceCert)
        if (held !== undefined) return { bytes: held, cert: verifyDeviceCert(held, { peerId: me }) }
        const person = personFromEntropy(await entropy())
        const bytes = issueDeviceCert({ peerId: me, name: deviceName, issuedAt: clock() }, person.signing.secretKey)
        await write(VaultItem.deviceCert, bytes)
        return { bytes, cert: verifyDeviceCert(bytes, { peerId: me }) }
      }),
    linkedDevices: () => serial(linked),
    addLinkedDevice: (device) =>
      serial(async () => {
        const list = (await linked()).filter((d) => d.peerId !== device.peerId)
        list.push(device)
        // the oldest are forgotten first
        while (list.length > MAX_LINKED_DEVICES) list.shift()
        await write(VaultItem.linkedDevices, encodeLinkedDevices(list))
        return list
      }),
    syncedDocs: () => serial(synced),
    markSynced: (docHex) =>
      serial(async () => {
        const set = await synced()
        if (set === undefined || set.has(docHex)) return
        set.add(docHex)
        await write(VaultItem.syncedDocs, encodeDocSet(set))
      }),
    depositMarks: () => serial(marks),
    markDeposited: (mailbox, docHex, seq) =>
      serial(async () => {
        const all = await marks()
        let docs = all.get(mailbox)
        if (docs === undefined) all.set(mailbox, (docs = new Map<string, number>()))
        if ((docs.get(docHex) ?? 0) >= seq) return
        docs.set(docHex, seq)
        await write(VaultItem.depositMarks, encodeDepositMarks(all))
      }),
    ownMailboxes: () =>
      serial(async () => {
        const bytes = await read(VaultItem.ownMailboxes)
        return bytes === undefined ? [] : decodeOwnMailboxes(bytes)
      }),
    setOwnMailboxes: (addrs) => serial(() => write(VaultItem.ownMailboxes, encodeOwnMailboxes(addrs)))
  }
}
