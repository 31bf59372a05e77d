/**
 * The messages of a call's data channel (RFC 8831), as JSON text, each validated field by
 * field with a size cap before parsing:
 *
 * ```
 * {"t":"chat","id":"<8..32 [A-Za-z0-9-]>","text":"<1..2000 chars>","at":<ms>}
 * {"t":"file","id":"…","name":"<1..200 chars>","mime":"<type/subtype ≤ 100>","size":<1..MAX_CALL_FILE_BYTES>}
 *     then binary chunks of at most 16 KiB adding up to exactly `size`
 * {"t":"keep","value":true|false}    this side agrees (or no longer agrees) to keep the chat in the visit record
 * ```
 */
import { ConsultMessageFormatError } from './errors.ts'

/** Longest chat message, in characters. */
export const MAX_CHAT_TEXT = 2000
/** Largest file sent in a call (a photo of a rash, a lab PDF): kept inline in a DocumentReference, under the record's 1 MiB per resource once base64-encoded. */
export const MAX_CALL_FILE_BYTES = 512 * 1024
/** Largest binary chunk of a file (RFC 8831 §6.6: keep messages small for interleaving). */
export const MAX_FILE_CHUNK_BYTES = 16 * 1024
/** Longest file name. */
export const MAX_FILE_NAME = 200
/** Longest JSON message text. */
export const MAX_CHANNEL_TEXT = 3 * MAX_CHAT_TEXT + 512

/** A data-channel control or chat message. */
export type ChannelMessage =
  | { readonly t: 'chat'; readonly id: string; readonly text: string; readonly at: number }
  | { readonly t: 'file'; readonly id: string; readonly name: string; readonly mime: string; readonly size: number }
  | { readonly t: 'keep'; readonly value: boolean }

const ID = /^[A-Za-z0-9-]{8,32}$/
const MIME = /^[a-z0-9][a-z0-9.+-]{0,40}\/[a-z0-9][a-z0-9.+-]{0,50}$/

function fail(message: string): never {
  throw new ConsultMessageFormatError(`channel message: ${message}`)
}
function keysExactly(o: Record<string, unknown>, keys: string[]): void {
  const got = Object.keys(o).sort()
  if (got.length !== keys.length || got.some((k, i) => k !== [...keys].sort()[i])) fail(`expected exactly the fields ${keys.join(', ')}`)
}
function textIn(v: unknown, label: string, min: number, max: number): string {
  if (typeof v !== 'string' || v.length < min || v.length > max) fail(`${label}: ${min}..${max} characters`)
  return v
}

/**
 * Checks a message from the other side (or before sending one).
 * @throws {ConsultMessageFormatError} for anything but exactly one of the shapes above.
 */
export function parseChannelMessage(text: string): ChannelMessage {
  if (typeof text !== 'string') fail('expected text')
  if (text.length > MAX_CHANNEL_TEXT) fail(`${text.length} characters exceeds the cap`)
  let o: unknown
  try {
    o = JSON.parse(text)
  } catch (err) {
    throw new ConsultMessageFormatError('channel message: not JSON', { cause: err })
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) fail('expected an object')
  const m = o as Record<string, unknown>
  switch (m.t) {
    case 'chat': {
      keysExactly(m, ['t', 'id', 'text', 'at'])
      const id = textIn(m.id, 'id', 8, 32)
      if (!ID.test(id)) fail('id: 8..32 of A-Z a-z 0-9 -')
      const body = textIn(m.text, 'text', 1, MAX_CHAT_TEXT)
      if (typeof m.at !== 'number' || !Number.isSafeInteger(m.at) || m.at < 0) fail('at: a time in ms')
      return { t: 'chat', id, text: body, at: m.at }
    }
    case 'file': {
      keysExactly(m, ['t', 'id', 'name', 'mime', 'size'])
      const id = textIn(m.id, 'id', 8, 32)
      if (!ID.test(id)) fail('id: 8..32 of A-Z a-z 0-9 -')
      const name = textIn(m.name, 'name', 1, MAX_FILE_NAME)
      // a name is shown and saved, never used as a path
      if (/[/\\]/.test(name) || [...name].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) fail('name: no slashes or control characters')
      const mime = textIn(m.mime, 'mime', 3, 100)
      if (!MIME.test(mime)) fail('mime: type/subtype')
      if (typeof m.size !== 'number' || !Number.isSafeInteger(m.size) || m.size < 1 || m.size > MAX_CALL_FILE_BYTES) fail(`size: 1..${MAX_CALL_FILE_BYTES}`)
      return { t: 'file', id, name, mime, size: m.size }
    }
    case 'keep':
      keysExactly(m, ['t', 'value'])
      if (typeof m.value !== 'boolean') fail('value: true or false')
      return { t: 'keep', value: m.value }
    default:
      return fail('unknown type')
  }
}

/**
 * The text of a message, checked as the other side will check it.
 * @throws {ConsultMessageFormatError} for a message the other side would refuse.
 */
export function channelMessageText(msg: ChannelMessage): string {
  const text = JSON.stringify(msg)
  parseChannelMessage(text)
  return text
}
