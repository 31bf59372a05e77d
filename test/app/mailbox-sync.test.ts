/**
 * The record's use of the mailbox, against a scripted mailbox client and a scripted local
 * store: it registers each compartment once per client (a newer list held by another device
 * is fine), fetches what the local vector lacks through the receive pipeline, deposits from
 * the store whatever of this device's envelopes the mailbox lacks by its durable marks
 * (only while another device is away), keeps the marks when the mailbox is unreachable,
 * and skips what the mailbox will never take instead of blocking on it.
 */
import { describe, it, expect } from 'vitest'
import { createPerson, newDocId } from '../../src/crypto/index.ts'
import { MailboxMessageTooLargeError, MailboxStaleRegistrationError, MailboxTimeoutError, verifyRegistration, type MailboxClient } from '../../src/sync/index.ts'
import type { ReceiveReport } from '../../src/storage/index.ts'
import { createAppMailbox, MailboxState, type MailboxTarget } from '../../src/app/mailbox-sync.ts'
import type { DepositMarks } from '../../src/app/vault-items.ts'
import { toHex, type DocId } from '../../src/lib/index.ts'

type Call = { op: string; doc?: DocId; n?: number; seqs?: number[] }
const MAILBOX = '12D3KooWRelay'

function setup(script: { register?: () => void; deposit?: () => void } = {}) {
  const person = createPerson().keys
  const calls: Call[] = []
  const received: Uint8Array[][] = []
  /** This device's envelopes per doc: byte 0 is the seq. */
  const own = new Map<string, number>()
  const marks: DepositMarks = new Map()
  let away = true
  const docs = [newDocId(), newDocId()].map((docId) => ({
    docId,
    persistence: {
      vector: () => new Map([['ab'.repeat(32), 3]]),
      receive: async (envelopes: readonly Uint8Array[]): Promise<ReceiveReport> => {
        received.push([...envelopes])
        return { applied: envelopes.length, duplicates: 0, held: 0, problems: [] }
      }
    }
  }))
  const client: MailboxClient = {
    async register(registration) {
      calls.push({ op: 'register', doc: verifyRegistration(registration).docId }) // signed by the person
      script.register?.()
      return { version: 1 }
    },
    async deposit(doc, envelopes) {
      calls.push({ op: 'deposit', doc, n: envelopes.length, seqs: envelopes.map((e) => e[0] ?? 0) })
      script.deposit?.()
      return { stored: envelopes.length, skipped: 0 }
    },
    async fetch(doc, opts) {
      calls.push({ op: 'fetch', doc, n: opts?.vector?.get('ab'.repeat(32)) ?? 0 })
      return { envelopes: doc === docs[0]?.docId ? [new Uint8Array([1]), new Uint8Array([2])] : [], complete: true }
    }
  }
  const target: MailboxTarget = { id: MAILBOX, client }
  const mailbox = createAppMailbox(
    {
      docs,
      ownerSecretKey: async () => person.signing.secretKey.slice(),
      parties: async () => [],
      ownSeq: (docId) => own.get(toHex(docId)) ?? 0,
      async backlog(docId, afterSeq) {
        const n = own.get(toHex(docId)) ?? 0
        const items = []
        for (let seq = afterSeq + 1; seq <= n; seq++) items.push({ bytes: new Uint8Array([seq, 0, 0, 0]), seq })
        return { items, upTo: n }
      },
      marks: async () => new Map([...marks].map(([k, v]) => [k, new Map(v)])),
      async markDeposited(id, doc, seq) {
        let m = marks.get(id)
        if (m === undefined) marks.set(id, (m = new Map<string, number>()))
        m.set(doc, Math.max(seq, m.get(doc) ?? 0))
      },
      wanted: () => away
    },
    { clock: () => 1_000, maxBatch: 2 }
  )
  const write = (doc: DocId, n = 1): void => void own.set(toHex(doc), (own.get(toHex(doc)) ?? 0) + n)
  return { mailbox, target, calls, received, docs, marks, write, setAway: (v: boolean) => void (away = v) }
}

describe('mailbox sync', () => {
  it('registers once per client, fetches beyond the local vector, then deposits what the mailbox lacks, in batches', async () => {
    const { mailbox, target, calls, received, docs, marks, write } = setup()
    const [d0] = docs
    if (d0 === undefined) throw new Error('no doc')
    write(d0.docId, 3)
    await mailbox.sync(target)
    expect(calls.map((c) => c.op)).toEqual(['register', 'register', 'fetch', 'fetch', 'deposit', 'deposit'])
    expect(calls.filter((c) => c.op === 'fetch').every((c) => c.n === 3)).toBe(true)
    expect(calls.filter((c) => c.op === 'deposit').map((c) => c.seqs)).toEqual([[1, 2], [3]])
    expect(received).toEqual([[new Uint8Array([1]), new Uint8Array([2])]])
    expect(mailbox.status()).toMatchObject({ state: MailboxState.reachable, fetched: 2, deposited: 3, queued: 0, lastFetchAt: 1_000 })
    expect(marks.get(MAILBOX)?.get(toHex(d0.docId))).toBe(3)
    calls.length = 0
    await mailbox.sync(target)
    expect(calls.map((c) => c.op)).toEqual(['fetch', 'fetch'])
    mailbox.reregister()
    await mailbox.sync(target)
    expect(calls.filter((c) => c.op === 'register')).toHaveLength(2)
  })

  it('deposits only what is above the durable mark, as a fresh start after a restart would', async () => {
    const { mailbox, target, calls, docs, marks, write } = setup()
    const d1 = docs[1]?.docId as DocId
    write(d1, 5)
    marks.set(MAILBOX, new Map([[toHex(d1), 3]]))
    await mailbox.deposit(target)
    expect(calls.filter((c) => c.op === 'deposit').map((c) => c.seqs)).toEqual([[4, 5]])
    // another mailbox has no marks: it gets everything
    calls.length = 0
    await mailbox.deposit({ ...target, id: '12D3KooWOther' })
    expect(calls.filter((c) => c.op === 'deposit').map((c) => c.seqs)).toEqual([[1, 2], [3, 4], [5]])
  })

  it('deposits nothing while no other device is away', async () => {
    const { mailbox, target, calls, docs, write, setAway } = setup()
    write(docs[0]?.docId as DocId, 2)
    setAway(false)
    await mailbox.deposit(target)
    expect(calls.filter((c) => c.op === 'deposit')).toEqual([])
    setAway(true)
    await mailbox.deposit(target)
    expect(calls.filter((c) => c.op === 'deposit').map((c) => c.seqs)).toEqual([[1, 2]])
  })

  it('takes a newer registration by another device as done', async () => {
    const { mailbox, target } = setup({
      register: () => {
        throw new MailboxStaleRegistrationError('older')
      }
    })
    await mailbox.sync(target)
    expect(mailbox.status().state).toBe(MailboxState.reachable)
  })

  it('keeps the marks when the mailbox is unreachable, and names the error', async () => {
    let fail = true
    const { mailbox, target, docs, marks, write } = setup({
      deposit: () => {
        if (fail) throw new MailboxTimeoutError('no answer')
      }
    })
    write(docs[1]?.docId as DocId)
    await expect(mailbox.deposit(target)).rejects.toMatchObject({ name: 'MailboxTimeoutError' })
    expect(mailbox.status()).toMatchObject({ state: MailboxState.unreachable, lastError: 'MailboxTimeoutError', queued: 1, deposited: 0 })
    expect(marks.size).toBe(0)
    fail = false
    await mailbox.deposit(target)
    expect(mailbox.status()).toMatchObject({ state: MailboxState.reachable, queued: 0, deposited: 1 })
  })

  it('skips what the mailbox will never take instead of blocking on it', async () => {
    const { mailbox, target, docs, marks, write } = setup({
      deposit: () => {
        throw new MailboxMessageTooLargeError('too large')
      }
    })
    write(docs[0]?.docId as DocId)
    await mailbox.deposit(target)
    expect(mailbox.status()).toMatchObject({ state: MailboxState.reachable, queued: 0, deposited: 0 })
    expect(marks.get(MAILBOX)?.get(toHex(docs[0]?.docId as DocId))).toBe(1)
  })
})
