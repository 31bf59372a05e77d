/**
 * Length-prefixed framing over a libp2p 3 message stream (`Stream`: 'message' events,
 * `send()` returning false under back-pressure, `onDrain()`): each frame is an unsigned
 * varint length followed by that many bytes (the same framing as `lpStream` of
 * `@libp2p/utils`), with these guarantees:
 *
 * - a frame longer than `maxFrameBytes` is refused from its length prefix, before its body
 *   is buffered;
 * - at most `maxBufferedBytes` received bytes are held (the peer's flow-control window
 *   keeps an honest peer well under it); beyond that the stream is aborted;
 * - waiting for the first byte of a frame has no timeout (an idle live session is fine),
 *   but the rest of the frame must arrive within `frameTimeoutMs`;
 * - a write waits for 'drain' when the stream asks for it, so nothing queues unbounded.
 */
import type { Stream } from '@libp2p/interface'
import { SyncClosedError, SyncMessageFormatError, SyncMessageTooLargeError } from './errors.ts'
import { abortReason, withTimeout } from './protocol/wait.ts'

/** Options of `frameStream`. */
export interface FrameStreamInit {
  maxFrameBytes: number
  maxBufferedBytes: number
  frameTimeoutMs: number
}

/** Frames over one stream. */
export interface FrameStream {
  /** The next frame; null when the peer closed its side cleanly between frames. */
  read(signal: AbortSignal): Promise<Uint8Array | null>
  /** Writes one frame (waits for drain first when the stream is under back-pressure). */
  write(frame: Uint8Array, signal: AbortSignal): Promise<void>
  /** Closes gracefully, or aborts with `error`. */
  close(error?: Error): void
}

/**
 * Wraps `stream` in length-prefixed framing with the limits of `init`.
 * @throws Never itself; `read` throws `SyncMessageTooLargeError`, `SyncMessageFormatError`
 *   (bad length prefix or a frame cut short), `SyncTimeoutError`, or the stream's error.
 */
export function frameStream(stream: Stream, init: FrameStreamInit): FrameStream {
  const chunks: Uint8Array[] = []
  let buffered = 0
  let ended = false
  let failure: Error | undefined
  let wake: (() => void) | undefined

  const signalData = (): void => {
    const w = wake
    wake = undefined
    w?.()
  }
  stream.addEventListener('message', (evt) => {
    if (failure !== undefined) return
    const data = evt.data instanceof Uint8Array ? evt.data : evt.data.subarray()
    chunks.push(data)
    buffered += data.length
    if (buffered > init.maxBufferedBytes) {
      failure = new SyncMessageTooLargeError(`more than ${init.maxBufferedBytes} bytes buffered from the peer`)
      chunks.length = 0
      buffered = 0
      stream.abort(failure)
    }
    signalData()
  })
  stream.addEventListener('remoteCloseWrite', () => {
    ended = true
    signalData()
  })
  stream.addEventListener('close', (evt) => {
    ended = true
    if (evt.error !== undefined) failure ??= evt.error
    signalData()
  })

  /** Waits until `n` bytes are buffered; false if the stream ended first. */
  async function need(n: number, signal: AbortSignal): Promise<boolean> {
    while (buffered < n) {
      if (failure !== undefined) throw failure
      if (ended) return false
      if (signal.aborted) throw abortReason(signal)
      await new Promise<void>((resolve, reject) => {
        const onAbort = (): void => {
          wake = undefined
          reject(abortReason(signal))
        }
        signal.addEventListener('abort', onAbort, { once: true })
        wake = () => {
          signal.removeEventListener('abort', onAbort)
          resolve()
        }
      })
    }
    return true
  }

  function byteAt(i: number): number {
    for (const c of chunks) {
      if (i < c.length) return c[i] ?? 0
      i -= c.length
    }
    return 0
  }

  function take(n: number): Uint8Array {
    const first = chunks[0]
    if (first !== undefined && first.length >= n) {
      const out = first.subarray(0, n)
      if (first.length === n) chunks.shift()
      else chunks[0] = first.subarray(n)
      buffered -= n
      return out
    }
    const out = new Uint8Array(n)
    let o = 0
    while (o < n) {
      const c = chunks[0] as Uint8Array
      const k = Math.min(c.length, n - o)
      out.set(c.subarray(0, k), o)
      o += k
      if (k === c.length) chunks.shift()
      else chunks[0] = c.subarray(k)
    }
    buffered -= n
    return out
  }

  async function readFrame(signal: AbortSignal): Promise<Uint8Array> {
    // the varint length: at most 5 bytes for any cap below 2^35
    let length = 0
    let mult = 1
    for (let i = 0; ; i++) {
      if (i === 5) throw new SyncMessageFormatError('frame: length prefix longer than 5 bytes')
      if (!(await need(i + 1, signal))) throw new SyncMessageFormatError('frame: stream ended inside a length prefix')
      const b = byteAt(i)
      length += (b & 0x7f) * mult
      if (b < 0x80) {
        if (b === 0 && i > 0) throw new SyncMessageFormatError('frame: non-minimal length prefix')
        take(i + 1)
        break
      }
      mult *= 128
      if (length > init.maxFrameBytes) break
    }
    // refuse from the prefix alone, before buffering the body
    if (length > init.maxFrameBytes) throw new SyncMessageTooLargeError(`frame: ${length} bytes exceeds the cap of ${init.maxFrameBytes}`)
    if (length === 0) throw new SyncMessageFormatError('frame: empty')
    if (!(await need(length, signal))) throw new SyncMessageFormatError(`frame: stream ended ${length - buffered} bytes short`)
    return take(length)
  }

  return {
    async read(signal) {
      // idle: wait for the first byte of the next frame without a timeout
      if (!(await need(1, signal))) {
        if (failure !== undefined) throw failure
        return null
      }
      const deadline = new AbortController()
      const onAbort = (): void => deadline.abort(abortReason(signal))
      signal.addEventListener('abort', onAbort, { once: true })
      try {
        return await withTimeout(readFrame(deadline.signal), init.frameTimeoutMs, signal, 'frame')
      } finally {
        signal.removeEventListener('abort', onAbort)
        // unblock readFrame if the timeout won
        deadline.abort(new SyncClosedError('frame read ended'))
      }
    },
    async write(frame, signal) {
      const prefix: number[] = []
      let n = frame.length
      while (n >= 0x80) {
        prefix.push((n & 0x7f) | 0x80)
        n = Math.floor(n / 128)
      }
      prefix.push(n)
      const out = new Uint8Array(prefix.length + frame.length)
      out.set(prefix)
      out.set(frame, prefix.length)
      // back-pressure: wait for the transport to drain before adding more
      if (stream.writableNeedsDrain) await stream.onDrain({ signal })
      if (stream.writeStatus !== 'writable') throw new SyncClosedError(`stream is ${stream.writeStatus}`)
      stream.send(out)
    },
    close(error) {
      if (error !== undefined) {
        stream.abort(error)
        return
      }
      stream.close().catch(() => {
        // closing a stream the peer already reset: nothing left to flush
        stream.abort(new SyncClosedError('close failed'))
      })
    }
  }
}
