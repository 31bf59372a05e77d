/**
 * One mailbox session: one inbound stream, HELLO first, then requests answered one at a
 * time. A refused request is answered with an ERROR and counts as a strike; a protocol
 * violation (garbage, an oversized frame, data before a reply, a request flood) is
 * answered if possible and then cuts the peer off (`onViolation`).
 */
import type { Connection, Stream } from '@libp2p/interface'
import {
  codeOfMailboxError,
  createMailboxFramedStream,
  decodeMailboxMessage,
  encodeMailboxMessage,
  MailboxBusyError,
  MailboxClosedError,
  MailboxMessageFormatError,
  MailboxMessageTooLargeError,
  MailboxProtocolError,
  MailboxHelloRefusedError,
  MAILBOX_PROTOCOL_VERSION,
  MailboxErrorCode,
  withMailboxDeadline,
  type ByteBudget,
  type ClientMessage,
  type MailboxFramedStream,
  type MailboxLimits,
  type ServerMessage
} from '../../sync/mailbox/index.ts'
import { authenticate, type Identity } from './access.ts'
import { handleDeposit, handleFetch, handleRegister } from './handlers.ts'
import type { RateLimiter } from './limiter.ts'
import type { MailboxStore } from './store.ts'

/** What a session needs from its server. */
export interface SessionContext {
  readonly store: MailboxStore
  readonly limits: MailboxLimits
  readonly budget: ByteBudget
  /** One token per request, per peer. */
  readonly rate: RateLimiter
  /** HELLO must arrive within this many ms. */
  readonly helloTimeoutMs: number
  /** Each later request must arrive (whole) within this many ms of the previous reply. */
  readonly idleTimeoutMs: number
  /** Each reply must be taken by the peer within this many ms. */
  readonly writeTimeoutMs: number
  /** Refused requests tolerated per session before it is closed. */
  readonly maxStrikes: number
  /** Called when the peer broke the protocol: ban it and drop its connection. */
  onViolation(connection: Connection, err: Error): void
  /** Log line sink. */
  log(line: string): void
}

/** Errors that mean the peer broke the protocol (not merely asked for something refused). */
function isViolation(err: unknown): boolean {
  return err instanceof MailboxMessageFormatError || err instanceof MailboxMessageTooLargeError || err instanceof MailboxProtocolError
}

class FloodError extends MailboxBusyError {}

async function answer(ctx: SessionContext, msg: ClientMessage, who: Identity): Promise<ServerMessage> {
  switch (msg.type) {
    case 'register':
      return handleRegister(ctx, msg)
    case 'deposit':
      return handleDeposit(ctx, msg, who)
    case 'fetch':
      return handleFetch(ctx, msg, who)
    case 'hello':
      throw new MailboxProtocolError('HELLO was already received')
  }
}

function errorReply(err: unknown): ServerMessage {
  const code = codeOfMailboxError(err)
  // an internal failure's message may name files or SQL: say only that it failed
  const detail = err instanceof Error && code !== MailboxErrorCode.internal ? err.message : 'internal error'
  return { type: 'error', code, detail }
}

/**
 * Serves one stream until the peer closes it, a timeout passes, or the peer is cut off.
 * Never throws: every failure is answered, logged and ends the stream.
 */
export async function serveSession(stream: Stream, connection: Connection, ctx: SessionContext): Promise<void> {
  const framed: MailboxFramedStream = createMailboxFramedStream(stream, { maxFrameBytes: ctx.limits.maxMessageBytes, budget: ctx.budget })
  const peer = connection.remotePeer.toString()
  const read = async (ms: number, what: string): Promise<ClientMessage> => {
    const frame = await withMailboxDeadline(ms, `mailbox session ${what}`, undefined, (signal) => framed.read(signal))
    const msg = decodeMailboxMessage(frame, ctx.limits)
    if (msg.type === 'error' || msg.type === 'welcome' || msg.type === 'registered' || msg.type === 'deposited' || msg.type === 'envelopes') {
      throw new MailboxProtocolError(`a client does not send ${msg.type.toUpperCase()}`)
    }
    return msg
  }
  const reply = (msg: ServerMessage, ms = ctx.writeTimeoutMs): Promise<void> =>
    withMailboxDeadline(ms, 'mailbox session reply', undefined, (signal) => framed.write(encodeMailboxMessage(msg), signal))

  try {
    const hello = await read(ctx.helloTimeoutMs, 'HELLO')
    if (hello.type !== 'hello') throw new MailboxProtocolError('the first message must be HELLO')
    let who: Identity
    try {
      who = authenticate(hello, connection.remotePeer)
    } catch (err) {
      if (!(err instanceof MailboxHelloRefusedError)) throw err
      await reply(errorReply(err))
      await withMailboxDeadline(ctx.writeTimeoutMs, 'mailbox session close', undefined, (signal) => stream.close({ signal }))
      return
    }
    await reply({ type: 'welcome', version: MAILBOX_PROTOCOL_VERSION, limits: ctx.limits })
    let strikes = 0
    for (;;) {
      let msg: ClientMessage
      try {
        msg = await read(ctx.idleTimeoutMs, 'request')
      } catch (err) {
        if (err instanceof MailboxClosedError && framed.buffered === 0) break // the client is done
        throw err
      }
      if (!ctx.rate.take(peer)) throw new FloodError('mailbox: request rate exceeded')
      let out: ServerMessage
      try {
        out = await answer(ctx, msg, who)
      } catch (err) {
        if (err instanceof MailboxProtocolError) throw err
        strikes++
        ctx.log(`${peer}: ${msg.type} refused: ${(err as Error).name}`)
        out = errorReply(err)
      }
      await reply(out)
      if (strikes >= ctx.maxStrikes) throw new MailboxBusyError(`mailbox: ${strikes} refused requests in one session`)
    }
    await withMailboxDeadline(ctx.writeTimeoutMs, 'mailbox session close', undefined, (signal) => stream.close({ signal }))
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err))
    const violation = isViolation(e) || e instanceof FloodError
    ctx.log(`${peer}: session ended: ${e.name}: ${e.message}${violation ? ' (cut off)' : ''}`)
    if (!(e instanceof MailboxClosedError)) {
      try {
        await reply(errorReply(e), 1_000)
      } catch {
        // best effort: the peer may be gone or not reading; the stream is aborted next
      }
    }
    stream.abort(e)
    if (violation) ctx.onViolation(connection, e)
  } finally {
    framed.dispose()
  }
}
