/**
 * The record's use of the mailbox, against a scripted mailbox client: it registers each
 * compartment once per client (a newer list held by another device is fine), fetches
 * what the local vector lacks through the receive pipeline, deposits what is queued,
 * keeps the queue when the mailbox is unreachable, and drops what the mailbox will never
 * take instead of blocking on it.
 */
import { describe, it, expect } from 'vitest'
import { createPerson, newDocId } from '../../src/crypto/index.ts'
import { MailboxMessageTooLargeError, MailboxStaleRegistrationError, MailboxTimeoutError, verifyRegistration, type MailboxClient } from '../../src/sync/index.ts'
import type { ReceiveReport } from '../../src/storage/index.ts'
import { createAppMailbox, MailboxState } from '../../src/app/mailbox-sync.ts'
import type { DocId } from '../../src/lib/index.ts'

type Call = { op: string; doc?: DocId; n?: number }

function setup(script: { register?: () => void; deposit?: () => void } = {}) {
  const person = createPerson().keys
  const calls: Call[] = []
  const received: Uint8Array[][] = []
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
      verifyRegistration(registration) // signed by the person
      calls.push({ op: 'register', doc: verifyRegistration(registration).docId })
      script.register?.()
      return { version: 1 }
    },
    async deposit(doc, envelopes) {
      calls.push({ op: 'deposit', doc, n: envelopes.length })
      script.deposit?.()
      return { stored: envelopes.length, skipped: 0 }
    },
    async fetch(doc, opts) {
      calls.push({ op: 'fetch', doc, n: opts?.vector?.get('ab'.repeat(32)) ?? 0 })
      return { envelopes: doc === docs[0]?.docId ? [new Uint8Array([1]), new Uint8Array([2])] : [], complete: true }
    }
  }
  const mailbox = createAppMailbox({ docs, ownerSecretKey: async () => person.signing.secretKey.slice(), parties: async () => [] }, { clock: () => 1_000 })
  return { mailbox, client, calls, received, docs, person }
}

describe('mailbox sync', () => {
  it('registers once per client, fetches beyond the local vector, then deposits what is queued', async () => {
    const { mailbox, client, calls, received, docs } = setup()
    const [d0] = docs
    if (d0 === undefined) throw new Error('no doc')
    mailbox.queue(d0.docId, new Uint8Array([9]))
    expect(mailbox.status().queued).toBe(1)
    await mailbox.sync(client)
    expect(calls.map((c) => c.op)).toEqual(['register', 'register', 'fetch', 'fetch', 'deposit'])
    expect(calls.filter((c) => c.op === 'fetch').every((c) => c.n === 3)).toBe(true)
    expect(received).toEqual([[new Uint8Array([1]), new Uint8Array([2])]])
    expect(mailbox.status()).toMatchObject({ state: MailboxState.reachable, fetched: 2, deposited: 1, queued: 0, lastFetchAt: 1_000 })
    calls.length = 0
    await mailbox.sync(client)
    expect(calls.map((c) => c.op)).toEqual(['fetch', 'fetch'])
    mailbox.reregister()
    await mailbox.sync(client)
    expect(calls.filter((c) => c.op === 'register')).toHaveLength(2)
  })

  it('takes a newer registration by another device as done', async () => {
    const { mailbox, client } = setup({
      register: () => {
        throw new MailboxStaleRegistrationError('older')
      }
    })
    await mailbox.sync(client)
    expect(mailbox.status().state).toBe(MailboxState.reachable)
  })

  it('keeps the queue when the mailbox is unreachable, and names the error', async () => {
    let fail = true
    const { mailbox, client, docs } = setup({
      deposit: () => {
        if (fail) throw new MailboxTimeoutError('no answer')
      }
    })
    mailbox.queue(docs[1]?.docId as DocId, new Uint8Array([7]))
    await expect(mailbox.deposit(client)).rejects.toMatchObject({ name: 'MailboxTimeoutError' })
    expect(mailbox.status()).toMatchObject({ state: MailboxState.unreachable, lastError: 'MailboxTimeoutError', queued: 1, deposited: 0 })
    fail = false
    await mailbox.deposit(client)
    expect(mailbox.status()).toMatchObject({ state: MailboxState.reachable, queued: 0, deposited: 1 })
  })

  it('drops what the mailbox will never take instead of blocking on it', async () => {
    const { mailbox, client, docs } = setup({
      deposit: () => {
        throw new MailboxMessageTooLargeError('too large')
      }
    })
    mailbox.queue(docs[0]?.docId as DocId, new Uint8Array(10))
    await mailbox.deposit(client)
    expect(mailbox.status()).toMatchObject({ state: MailboxState.reachable, queued: 0, deposited: 0 })
  })
})
