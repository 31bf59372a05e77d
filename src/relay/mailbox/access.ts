/**
 * Who may do what with a doc in the mailbox: the session's identity (PeerId proven by
 * Noise, person proven by the device certificate in HELLO) against the doc's signed list.
 * The owner holds every right; a listed person's rights extend to every device they
 * certify; a listed device holds its own rights.
 */
import type { PeerId } from '@libp2p/interface'
import { equalBytes, toHex } from '../../lib/index.ts'
import { ed25519FromDidKey, verifyDeviceCert } from '../../crypto/index.ts'
import {
  ed25519OfPeerId,
  MAILBOX_PROTOCOL_VERSION,
  MailboxHelloRefusedError,
  MailboxRight,
  PartyKind,
  type HelloMessage
} from '../../sync/mailbox/index.ts'
import type { MailboxStore, StoredRegistration } from './store.ts'

/** Who is on the other end of a session. */
export interface Identity {
  /** The PeerId Noise authenticated. */
  readonly peerId: string
  /** Its Ed25519 key (the device's envelope author key); `undefined` for a non-Ed25519 PeerId. */
  readonly deviceKey: Uint8Array | undefined
  /** The root key of the person whose certificate was shown in HELLO; `undefined` without one. */
  readonly personKey: Uint8Array | undefined
}

/**
 * Checks HELLO: the protocol version, and that the device certificate (if any) is valid
 * and issued for the PeerId that Noise authenticated.
 * @throws {MailboxHelloRefusedError} otherwise.
 */
export function authenticate(hello: HelloMessage, remote: PeerId): Identity {
  if (hello.version !== MAILBOX_PROTOCOL_VERSION) throw new MailboxHelloRefusedError(`hello: protocol version ${hello.version} is not supported (${MAILBOX_PROTOCOL_VERSION})`)
  const peerId = remote.toString()
  const deviceKey = ed25519OfPeerId(remote)
  if (hello.deviceCert === undefined) return { peerId, deviceKey, personKey: undefined }
  try {
    // DESIGN §3: Noise proves the PeerId; the certificate binds it to the person
    const cert = verifyDeviceCert(hello.deviceCert, { peerId })
    return { peerId, deviceKey, personKey: ed25519FromDidKey(cert.person) }
  } catch (err) {
    const e = err as Error
    throw new MailboxHelloRefusedError(`hello: device certificate refused (${e.name}: ${e.message})`, { cause: err })
  }
}

/**
 * Whether `who` holds `right` (`MailboxRight.fetch` or `.deposit`) on the doc.
 * @throws Never (store failures aside).
 */
export function mayUse(store: MailboxStore, docId: Uint8Array, reg: StoredRegistration, who: Identity, right: number): boolean {
  if (who.personKey !== undefined) {
    if (equalBytes(who.personKey, reg.ownerKey)) return true
    if ((store.rights(docId, PartyKind.person, who.personKey) & right) !== 0) return true
  }
  return who.deviceKey !== undefined && (store.rights(docId, PartyKind.device, who.deviceKey) & right) !== 0
}

/**
 * A check of envelope authors for one deposit: an author may write the doc when it is the
 * owner's root key, a device listed with the deposit right, or a device certified (by the
 * session's HELLO or a certificate in the deposit) by the owner or by a person listed
 * with the deposit right. Answers are memoised for the deposit.
 * @throws Never (store failures aside).
 */
export function authorCheck(
  store: MailboxStore,
  docId: Uint8Array,
  reg: StoredRegistration,
  devicePersons: ReadonlyMap<string, Uint8Array>
): (author: Uint8Array) => boolean {
  const memo = new Map<string, boolean>()
  return (author) => {
    const hex = toHex(author)
    let ok = memo.get(hex)
    if (ok === undefined) {
      const person = devicePersons.get(hex)
      ok =
        equalBytes(author, reg.ownerKey) ||
        (store.rights(docId, PartyKind.device, author) & MailboxRight.deposit) !== 0 ||
        (person !== undefined && (equalBytes(person, reg.ownerKey) || (store.rights(docId, PartyKind.person, person) & MailboxRight.deposit) !== 0))
      memo.set(hex, ok)
    }
    return ok
  }
}

/**
 * Device key (hex) → person key, from verified device certificates.
 * @throws the error of the first certificate that does not verify (the caller names it).
 */
export function devicePersonsOf(who: Identity, certs: readonly Uint8Array[]): Map<string, Uint8Array> {
  const map = new Map<string, Uint8Array>()
  if (who.deviceKey !== undefined && who.personKey !== undefined) map.set(toHex(who.deviceKey), who.personKey)
  for (const bytes of certs) {
    const cert = verifyDeviceCert(bytes)
    const key = ed25519OfPeerId(cert.peerId)
    if (key !== undefined) map.set(toHex(key), ed25519FromDidKey(cert.person))
  }
  return map
}
