/**
 * The mailbox's SQLite store on its own: snapshot expiry (never dropping an older
 * snapshot that covers something the new one does not), paging, quota roll-back, age
 * expiry, and that everything survives a restart.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createPerson, randomBytes } from '../../src/crypto/index.ts'
import { parseEnvelopeHeader, sealEnvelope, type EnvelopeHeader } from '../../src/envelope/index.ts'
import { toHex, type DocId } from '../../src/lib/index.ts'
import { signRegistration, verifyRegistration } from '../../src/sync/mailbox/index.ts'
import { createMailboxStore, type DepositEntry } from '../../src/relay/mailbox/index.ts'
import { thrown } from '../crypto/helpers.ts'

const owner = createPerson().keys
const alice = createPerson().keys
const bob = createPerson().keys
const epochKey = randomBytes(32)

function env(docId: Uint8Array, who: typeof alice, seq: number, covers?: Map<string, number>, size = 10): DepositEntry {
  const header: EnvelopeHeader = covers === undefined
    ? { docId, epoch: 0, author: who.signing.publicKey, seq, kind: 'update' }
    : { docId, epoch: 0, author: who.signing.publicKey, seq, kind: 'snapshot', covers }
  const bytes = sealEnvelope(header, new Uint8Array(size), { epochKey, authorSecretKey: who.signing.secretKey })
  return { header: parseEnvelopeHeader(bytes), bytes }
}

function registered(path = ':memory:', quotas = {}): { store: ReturnType<typeof createMailboxStore>; docId: DocId } {
  const store = createMailboxStore({ path, quotas })
  const docId = randomBytes(16) as DocId
  const bytes = signRegistration({ docId, version: 1, issuedAt: 1, parties: [] }, owner.signing.secretKey)
  store.register(verifyRegistration(bytes), bytes)
  return { store, docId }
}

const A = toHex(alice.signing.publicKey)
const B = toHex(bob.signing.publicKey)

describe('mailbox store', () => {
  it('a snapshot deletes what it covers but keeps an older snapshot that covers more of another author', () => {
    const { store, docId } = registered()
    const pk = owner.signing.publicKey
    const a2 = env(docId, alice, 2)
    store.deposit(docId, pk, [env(docId, alice, 1), a2, env(docId, bob, 1), env(docId, bob, 2)])
    // bob's snapshot covers bob 1..3 and alice 1 only
    const s1 = env(docId, bob, 3, new Map([[A, 1], [B, 3]]))
    expect(store.deposit(docId, pk, [s1])).toEqual({ stored: 1, skipped: 0 })
    // left: alice 2 and the snapshot
    expect(store.fetch(docId, new Map(), 0, 100, 1 << 20).envelopes.map(toHex)).toEqual([toHex(a2.bytes), toHex(s1.bytes)])
    // alice's snapshot covers alice 1..3 and bob 1..2 — not bob 3: bob's snapshot stays
    const s2 = env(docId, alice, 3, new Map([[A, 3], [B, 2]]))
    store.deposit(docId, pk, [s2])
    expect(store.fetch(docId, new Map(), 0, 100, 1 << 20).envelopes.map(toHex)).toEqual([toHex(s1.bytes), toHex(s2.bytes)])
    // covered updates arriving late are skipped, not stored
    expect(store.deposit(docId, pk, [env(docId, alice, 2), env(docId, bob, 1)])).toEqual({ stored: 0, skipped: 2 })
    expect(store.usage(pk)).toEqual({ bytes: s1.bytes.length + s2.bytes.length, envelopes: 2, docs: 1 })
  })

  it('pages by count and bytes, always at least one envelope, and skips what the vector covers', () => {
    const { store, docId } = registered()
    const list = Array.from({ length: 10 }, (_, i) => env(docId, alice, i + 1, undefined, 100))
    store.deposit(docId, owner.signing.publicKey, list)
    const size = (list[0] as DepositEntry).bytes.length
    const p1 = store.fetch(docId, new Map(), 0, 3, 1 << 20)
    expect(p1.envelopes.length).toBe(3)
    expect(p1.more).toBe(true)
    const p2 = store.fetch(docId, new Map(), p1.cursor, 100, size * 2)
    expect(p2.envelopes.length).toBe(2)
    const p3 = store.fetch(docId, new Map(), p2.cursor, 100, 1) // smaller than one envelope: still one
    expect(p3.envelopes.length).toBe(1)
    const rest = store.fetch(docId, new Map([[A, 8]]), p3.cursor, 100, 1 << 20)
    expect(rest.envelopes.map(toHex)).toEqual(list.slice(8).map((e) => toHex(e.bytes)))
    expect(rest.more).toBe(false)
  })

  it('a batch over quota — even one that a snapshot in it would shrink afterwards — stores nothing', () => {
    const { store, docId } = registered(':memory:', { maxEnvelopesPerOwner: 3 })
    const pk = owner.signing.publicKey
    expect(thrown(() => store.deposit(docId, pk, [1, 2, 3, 4].map((s) => env(docId, alice, s)))).name).toBe('MailboxQuotaExceededError')
    expect(store.usage(pk).envelopes).toBe(0)
    expect(store.fetch(docId, new Map(), 0, 100, 1 << 20).envelopes).toEqual([])
    store.deposit(docId, pk, [1, 2, 3].map((s) => env(docId, alice, s)))
    // a snapshot covering all three frees room: net one envelope
    expect(store.deposit(docId, pk, [env(docId, alice, 4, new Map([[A, 4]]))])).toEqual({ stored: 1, skipped: 0 })
    expect(store.usage(pk).envelopes).toBe(1)
    expect(store.totals().envelopes).toBe(1)
  })

  it('refuses another owner and an older version; survives a restart with usage intact; expires by age', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'phr-mailbox-store-'))
    try {
      const path = join(dir, 'mailbox.sqlite')
      let clock = 1_000_000
      const first = createMailboxStore({ path, now: () => clock })
      const docId = randomBytes(16) as DocId
      const v2 = signRegistration({ docId, version: 2, issuedAt: 1, parties: [] }, owner.signing.secretKey)
      first.register(verifyRegistration(v2), v2)
      const other = signRegistration({ docId, version: 5, issuedAt: 1, parties: [] }, alice.signing.secretKey)
      expect(thrown(() => first.register(verifyRegistration(other), other)).name).toBe('MailboxRegistrationRefusedError')
      const v1 = signRegistration({ docId, version: 1, issuedAt: 1, parties: [] }, owner.signing.secretKey)
      expect(thrown(() => first.register(verifyRegistration(v1), v1)).name).toBe('MailboxStaleRegistrationError')
      first.deposit(docId, owner.signing.publicKey, [env(docId, alice, 1)])
      clock += 10_000
      first.deposit(docId, owner.signing.publicKey, [env(docId, alice, 2)])
      first.close()

      const again = createMailboxStore({ path, now: () => clock })
      expect(again.registration(docId)?.version).toBe(2)
      expect(again.totals().envelopes).toBe(2)
      expect(again.expireBefore(clock - 5_000)).toBe(1)
      expect(again.usage(owner.signing.publicKey).envelopes).toBe(1)
      expect(again.totals().envelopes).toBe(1)
      again.close()
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
