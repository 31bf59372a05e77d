/**
 * The mailbox's frame reader on a stand-in message stream: frames split anywhere are
 * reassembled; an oversized length is refused from its prefix alone; bytes past a frame
 * before its reply, a spent budget, and an early close are named errors; the budget is
 * always returned.
 */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import type { Stream } from '@libp2p/interface'
import { concatBytes, toHex } from '../../src/lib/index.ts'
import { createMailboxFramedStream, mailboxFrameOf } from '../../src/sync/mailbox/index.ts'
import { createByteBudget } from '../../src/relay/mailbox/limiter.ts'
import { rejected } from '../crypto/helpers.ts'

/** Just enough of a libp2p message stream for the framed reader. */
class FakeStream extends EventTarget {
  status = 'open'
  remoteWriteStatus = 'writable'
  sent: Uint8Array[] = []
  send(data: Uint8Array): boolean {
    this.sent.push(data)
    return true
  }
  async onDrain(): Promise<void> {}
  deliver(bytes: Uint8Array): void {
    this.dispatchEvent(Object.assign(new Event('message'), { data: bytes }))
  }
  end(): void {
    this.remoteWriteStatus = 'closed'
    this.dispatchEvent(new Event('remoteCloseWrite'))
  }
}

function framed(max = 1024, budget?: ReturnType<typeof createByteBudget>): { s: FakeStream; f: ReturnType<typeof createMailboxFramedStream> } {
  const s = new FakeStream()
  return { s, f: createMailboxFramedStream(s as unknown as Stream, { maxFrameBytes: max, ...(budget === undefined ? {} : { budget }) }) }
}

const signal = (): AbortSignal => AbortSignal.timeout(2_000)

describe('framed stream', () => {
  it('reassembles frames however the bytes are split, one request at a time', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.uint8Array({ minLength: 1, maxLength: 600 }), { minLength: 1, maxLength: 4 }), fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1 }), async (messages, cuts) => {
        const { s, f } = framed()
        for (const m of messages) {
          const bytes = mailboxFrameOf(m)
          let at = 0
          let i = 0
          const got = f.read(signal())
          while (at < bytes.length) {
            const n = cuts[i++ % cuts.length] as number
            s.deliver(bytes.subarray(at, at + n))
            at += n
          }
          expect(toHex(await got)).toBe(toHex(m))
        }
        expect(f.buffered).toBe(0)
      }),
      { numRuns: 200 }
    )
  })

  it('refuses an oversized frame from its length prefix, before any of its body', async () => {
    const budget = createByteBudget(1 << 20)
    const { s, f } = framed(1000, budget)
    s.deliver(Uint8Array.of(0xe9, 0x07)) // 1001
    expect((await rejected(() => f.read(signal()))).name).toBe('MailboxMessageTooLargeError')
    expect(budget.used).toBe(0)
    expect((await rejected(() => f.read(signal()))).name).toBe('MailboxMessageTooLargeError')
  })

  it('refuses bytes past the frame that arrive before it was answered', async () => {
    const { s, f } = framed()
    s.deliver(concatBytes(mailboxFrameOf(Uint8Array.of(1)), Uint8Array.of(1)))
    expect((await rejected(() => f.read(signal()))).name).toBe('MailboxProtocolError')
  })

  it('refuses a zero-length or non-minimal prefix', async () => {
    for (const bad of [Uint8Array.of(0), Uint8Array.of(0x81, 0x00)]) {
      const { s, f } = framed()
      s.deliver(bad)
      expect((await rejected(() => f.read(signal()))).name).toBe('MailboxMessageFormatError')
    }
  })

  it('charges the shared budget and refuses as busy when it is spent; dispose returns it', async () => {
    const budget = createByteBudget(100)
    const one = framed(1000, budget)
    const two = framed(1000, budget)
    one.s.deliver(concatBytes(Uint8Array.of(0xc8, 0x01), new Uint8Array(90))) // a 200-byte frame, 92 bytes in
    expect(budget.used).toBe(92)
    two.s.deliver(new Uint8Array(20))
    expect((await rejected(() => two.f.read(signal()))).name).toBe('MailboxBusyError')
    expect(budget.used).toBe(92)
    one.f.dispose()
    expect(budget.used).toBe(0)
  })

  it('a stream that ends mid-frame is MailboxClosedError; an abort rejects with its reason', async () => {
    const { s, f } = framed()
    s.deliver(Uint8Array.of(5, 1, 2))
    const pending = f.read(signal())
    s.end()
    expect((await rejected(() => pending)).name).toBe('MailboxClosedError')
    const other = framed()
    const controller = new AbortController()
    const waiting = other.f.read(controller.signal)
    controller.abort(new Error('caller gave up'))
    expect((await rejected(() => waiting)).message).toBe('caller gave up')
  })
})
