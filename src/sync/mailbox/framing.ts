/**
 * Frames on a libp2p message stream: `length (unsigned LEB128, minimal, ≤ 4 bytes) ‖
 * message`. Our own reader rather than `lpStream`, for three bounds it does not give:
 *
 * - the length prefix is checked against the cap as soon as it arrives, before any of the
 *   frame is waited for, so an oversized frame is refused at once;
 * - the protocol is strictly request → reply, so more bytes than one frame before its
 *   reply is a violation (a peer cannot queue work or memory);
 * - buffered bytes can be charged to a shared budget (the mailbox's bound on memory held
 *   for all peers at once).
 */
import type { Stream } from '@libp2p/interface'
import { MailboxBusyError, MailboxClosedError, MailboxMessageFormatError, MailboxMessageTooLargeError, MailboxProtocolError } from './errors.ts'

/** A shared allowance of buffered bytes. */
export interface ByteBudget {
  /** Reserves `n` bytes; `false` (nothing reserved) when that would exceed the budget. */
  take(n: number): boolean
  /** Returns `n` reserved bytes. */
  release(n: number): void
}

/** Options of a framed stream. */
export interface MailboxFramedStreamInit {
  /** Largest frame payload accepted, in bytes (≤ 2^28 − 1, so the prefix fits 4 bytes). */
  maxFrameBytes: number
  /** Charged for every byte held before it is read. @default none */
  budget?: ByteBudget
}

/** A stream of frames, one message each. */
export interface MailboxFramedStream {
  /**
   * The next frame's payload.
   * @throws {MailboxMessageTooLargeError} if the frame's announced length exceeds the cap.
   * @throws {MailboxMessageFormatError} if the length prefix is malformed or zero.
   * @throws {MailboxProtocolError} if bytes past the frame arrived before it was answered.
   * @throws {MailboxBusyError} if the shared budget could not hold the bytes.
   * @throws {MailboxClosedError} if the stream ended first.
   * @throws the signal's reason when `signal` aborts.
   */
  read(signal: AbortSignal): Promise<Uint8Array>
  /**
   * Writes one frame, waiting for the stream to drain when its buffer is full.
   * @throws {MailboxClosedError} if the stream is closed for writing.
   * @throws the signal's reason when `signal` aborts.
   */
  write(message: Uint8Array, signal: AbortSignal): Promise<void>
  /** Bytes received and not yet returned by `read`. */
  readonly buffered: number
  /** Stops reading, drops what is buffered and returns it to the budget. */
  dispose(): void
}

const MAX_PREFIX_BYTES = 4
/** Largest length a 4-byte prefix can spell. */
export const MAX_MAILBOX_FRAME_BYTES = 2 ** 28 - 1

/**
 * The bytes of a frame around `message`.
 * @throws {RangeError} if the message is empty or longer than `MAX_MAILBOX_FRAME_BYTES`.
 */
export function mailboxFrameOf(message: Uint8Array): Uint8Array {
  const n = message.length
  if (n === 0 || n > MAX_MAILBOX_FRAME_BYTES) throw new RangeError(`frame: message length ${n} out of range 1..${MAX_MAILBOX_FRAME_BYTES}`)
  const prefix: number[] = []
  let v = n
  while (v >= 0x80) {
    prefix.push((v & 0x7f) | 0x80)
    v = Math.floor(v / 128)
  }
  prefix.push(v)
  const out = new Uint8Array(prefix.length + n)
  out.set(prefix)
  out.set(message, prefix.length)
  return out
}

class Framed implements MailboxFramedStream {
  readonly #stream: Stream
  readonly #max: number
  readonly #budget: ByteBudget | undefined
  #chunks: Uint8Array[] = []
  #buffered = 0
  #reserved = 0
  #failure: Error | undefined
  #ended = false
  #endError: Error | undefined
  #wake: (() => void) | undefined

  constructor(stream: Stream, init: MailboxFramedStreamInit) {
    if (!(init.maxFrameBytes >= 1 && init.maxFrameBytes <= MAX_MAILBOX_FRAME_BYTES)) throw new RangeError(`maxFrameBytes: expected 1..${MAX_MAILBOX_FRAME_BYTES}`)
    this.#stream = stream
    this.#max = init.maxFrameBytes
    this.#budget = init.budget
    stream.addEventListener('message', this.#onMessage)
    stream.addEventListener('close', this.#onClose)
    stream.addEventListener('remoteCloseWrite', this.#onEnd)
    if (stream.status !== 'open' || stream.remoteWriteStatus !== 'writable') this.#ended = true
  }

  get buffered(): number {
    return this.#buffered
  }

  readonly #onMessage = (evt: { data: Uint8Array | Iterable<Uint8Array> }): void => {
    if (this.#failure !== undefined) return // cut off: drop whatever still arrives
    const parts = evt.data instanceof Uint8Array ? [evt.data] : [...evt.data]
    for (const part of parts) {
      if (part.length === 0) continue
      if (this.#budget !== undefined) {
        if (!this.#budget.take(part.length)) {
          this.#fail(new MailboxBusyError('mailbox: too many bytes buffered for all peers; try again later'))
          return
        }
        this.#reserved += part.length
      }
      this.#chunks.push(part)
      this.#buffered += part.length
    }
    try {
      const head = this.#head()
      // request → reply: one frame at a time, never data past it before its reply
      if (head !== undefined && this.#buffered > head.prefix + head.length) {
        throw new MailboxProtocolError('frame: more data arrived before the previous message was answered')
      }
    } catch (err) {
      this.#fail(err as Error)
      return
    }
    this.#notify()
  }

  readonly #onClose = (evt: { error?: Error }): void => {
    this.#ended = true
    if (evt.error !== undefined) this.#endError = evt.error
    this.#notify()
  }

  readonly #onEnd = (): void => {
    this.#ended = true
    this.#notify()
  }

  #notify(): void {
    const wake = this.#wake
    this.#wake = undefined
    wake?.()
  }

  #fail(err: Error): void {
    this.#failure ??= err
    this.#drop()
    this.#notify()
  }

  #drop(): void {
    this.#chunks = []
    this.#buffered = 0
    if (this.#reserved > 0) this.#budget?.release(this.#reserved)
    this.#reserved = 0
  }

  /**
   * The frame length and prefix size once the prefix is complete; `undefined` before.
   * @throws {MailboxMessageFormatError} for a non-minimal, over-long or zero prefix.
   * @throws {MailboxMessageTooLargeError} when the length exceeds the cap.
   */
  #head(): { prefix: number; length: number } | undefined {
    let value = 0
    let mult = 1
    let i = 0
    for (const chunk of this.#chunks) {
      for (const b of chunk) {
        value += (b & 0x7f) * mult
        i++
        if (b < 0x80) {
          if (b === 0 && i > 1) throw new MailboxMessageFormatError('frame: non-minimal length prefix')
          if (value === 0) throw new MailboxMessageFormatError('frame: empty frame')
          if (value > this.#max) throw new MailboxMessageTooLargeError(`frame: ${value} bytes exceeds the cap of ${this.#max}`)
          return { prefix: i, length: value }
        }
        if (i === MAX_PREFIX_BYTES) throw new MailboxMessageTooLargeError(`frame: length prefix longer than ${MAX_PREFIX_BYTES} bytes`)
        mult *= 128
      }
    }
    return undefined
  }

  /** Removes and returns the first `n` buffered bytes (a view when they lie in one chunk). */
  #take(n: number): Uint8Array {
    const first = this.#chunks[0]
    let out: Uint8Array
    if (first !== undefined && first.length >= n) {
      out = first.subarray(0, n)
      if (first.length === n) this.#chunks.shift()
      else this.#chunks[0] = first.subarray(n)
    } else {
      out = new Uint8Array(n)
      let at = 0
      while (at < n) {
        const c = this.#chunks[0] as Uint8Array
        const k = Math.min(c.length, n - at)
        out.set(c.subarray(0, k), at)
        at += k
        if (k === c.length) this.#chunks.shift()
        else this.#chunks[0] = c.subarray(k)
      }
    }
    this.#buffered -= n
    if (this.#budget !== undefined) {
      const give = Math.min(n, this.#reserved)
      this.#reserved -= give
      this.#budget.release(give)
    }
    return out
  }

  async read(signal: AbortSignal): Promise<Uint8Array> {
    for (;;) {
      if (this.#failure !== undefined) throw this.#failure
      signal.throwIfAborted()
      let head: { prefix: number; length: number } | undefined
      try {
        head = this.#head()
      } catch (err) {
        this.#fail(err as Error)
        throw err
      }
      if (head !== undefined && this.#buffered >= head.prefix + head.length) {
        this.#take(head.prefix)
        return this.#take(head.length)
      }
      if (this.#ended) {
        const partial = this.#buffered > 0 ? ` after ${this.#buffered} bytes of a frame` : ''
        throw new MailboxClosedError(`stream closed${partial}${this.#endError === undefined ? '' : `: ${this.#endError.message}`}`, { cause: this.#endError })
      }
      await new Promise<void>((resolve, reject) => {
        const onAbort = (): void => {
          this.#wake = undefined
          reject(signal.reason as Error)
        }
        signal.addEventListener('abort', onAbort, { once: true })
        this.#wake = () => {
          signal.removeEventListener('abort', onAbort)
          resolve()
        }
      })
    }
  }

  async write(message: Uint8Array, signal: AbortSignal): Promise<void> {
    signal.throwIfAborted()
    const frame = mailboxFrameOf(message)
    let ready: boolean
    try {
      ready = this.#stream.send(frame)
    } catch (err) {
      throw new MailboxClosedError(`stream closed for writing: ${(err as Error).message}`, { cause: err })
    }
    if (!ready) await this.#stream.onDrain({ signal })
  }

  dispose(): void {
    this.#stream.removeEventListener('message', this.#onMessage)
    this.#stream.removeEventListener('close', this.#onClose)
    this.#stream.removeEventListener('remoteCloseWrite', this.#onEnd)
    this.#failure ??= new MailboxClosedError('framed stream disposed')
    this.#drop()
    this.#notify()
  }
}

/**
 * Reads and writes frames on `stream`. Starts listening at once: bytes that arrive before
 * the first `read` are checked and held (charged to the budget).
 * @throws {RangeError} if `maxFrameBytes` is out of range.
 * @example const framed = createMailboxFramedStream(stream, { maxFrameBytes: 1 << 20 }); const msg = await framed.read(signal)
 */
export function createMailboxFramedStream(stream: Stream, init: MailboxFramedStreamInit): MailboxFramedStream {
  return new Framed(stream, init)
}
