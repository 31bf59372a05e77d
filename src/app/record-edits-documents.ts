/**
 * Documents the patient keeps in the record (a discharge letter as a PDF, a photo of a lab
 * report): the file is read as a stream and sealed chunk by chunk into the record's store
 * (storage/blobs.ts: 256 KiB chunks, each with its own tag, the file key and the chunk
 * hashes kept only inside the encrypted record), so a 50 MB PDF is never whole in memory
 * and the page keeps responding (the loop waits on each IndexedDB transaction). The
 * DocumentReference in the `documents` compartment carries the reference in an extension
 * of its attachment. What the file says it is must match its first bytes.
 */
import { writeBlob, readBlob, type BlobRef, type EnvelopeStore } from '../storage/index.ts'
import type { FhirResource, Reference } from '../record/index.ts'
import { RecordFormError, FormProblem, MAX_FORM_TEXT, type FieldProblem } from './record-edits.ts'

/** Largest document accepted: 100 MiB. */
export const MAX_DOCUMENT_BYTES = 100 * 1024 * 1024

/** The kinds of file a document may be. */
export const DOCUMENT_TYPES = ['application/pdf', 'image/png', 'image/jpeg', 'image/webp'] as const
export type DocumentType = (typeof DOCUMENT_TYPES)[number]

/** URL of the attachment extension holding the encrypted file's reference (file key, chunk size, chunk hashes). */
export const ENCRYPTED_ATTACHMENT_URL = 'urn:phr:fhir:extension:encrypted-attachment'

/** A file to store (a `File` is one). */
export interface DocumentFile {
  readonly name: string
  readonly type: string
  readonly size: number
  stream(): ReadableStream<Uint8Array>
}

/** The file's first bytes are not what its type says, or it grew past its size while read. */
export class DocumentContentError extends RangeError {
  override name: string = 'DocumentContentError'
}

/** A stored document's reference is missing or malformed: its file cannot be read. */
export class DocumentUnreadableError extends Error {
  override name: string = 'DocumentUnreadableError'
}

/** First bytes of each type (PDF 1.7 §7.5.2 header; PNG §5.2 signature; JPEG SOI + marker; RIFF…WEBP). */
function matchesType(type: DocumentType, head: Uint8Array): boolean {
  const at = (offset: number, bytes: readonly number[]): boolean => bytes.every((b, i) => head[offset + i] === b)
  switch (type) {
    case 'application/pdf':
      return at(0, [0x25, 0x50, 0x44, 0x46, 0x2d]) // %PDF-
    case 'image/png':
      return at(0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
    case 'image/jpeg':
      return at(0, [0xff, 0xd8, 0xff])
    case 'image/webp':
      return at(0, [0x52, 0x49, 0x46, 0x46]) && at(8, [0x57, 0x45, 0x42, 0x50])
  }
}

/**
 * Checks a file before anything is read: a title, a known type, a size within the cap.
 * @throws {RecordFormError} naming `file` or `title`
 */
export function checkDocument(file: DocumentFile | undefined, title: string): { type: DocumentType; title: string } {
  const problems: FieldProblem[] = []
  const t = title.trim() === '' ? (file?.name ?? '').trim() : title.trim()
  if (file === undefined) problems.push({ field: 'file', problem: FormProblem.required })
  else if (!(DOCUMENT_TYPES as readonly string[]).includes(file.type)) problems.push({ field: 'file', problem: FormProblem.notAllowed })
  else if (file.size > MAX_DOCUMENT_BYTES) problems.push({ field: 'file', problem: FormProblem.tooLong })
  else if (file.size === 0) problems.push({ field: 'file', problem: FormProblem.required })
  if (t === '') problems.push({ field: 'title', problem: FormProblem.required })
  else if (t.length > MAX_FORM_TEXT) problems.push({ field: 'title', problem: FormProblem.tooLong })
  if (problems.length > 0) throw new RecordFormError(problems)
  return { type: (file as DocumentFile).type as DocumentType, title: t }
}

/** The file's stream, checked on the way: first bytes against the type, total against the declared size. */
function checked(file: DocumentFile, type: DocumentType): ReadableStream<Uint8Array> {
  let seen = 0
  let head = new Uint8Array(0)
  let verified = false
  return file.stream().pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(piece, controller) {
        seen += piece.length
        if (seen > file.size || seen > MAX_DOCUMENT_BYTES) throw new DocumentContentError('the file is larger than it said')
        if (!verified) {
          const h = new Uint8Array(Math.min(12, head.length + piece.length))
          h.set(head.subarray(0, h.length))
          if (h.length > head.length) h.set(piece.subarray(0, h.length - head.length), head.length)
          head = h
          if (head.length >= 12 || seen >= file.size) {
            if (!matchesType(type, head)) throw new DocumentContentError(`the file is not a ${type}`)
            verified = true
          }
        }
        controller.enqueue(piece)
      },
      flush() {
        if (!verified && !matchesType(type, head)) throw new DocumentContentError(`the file is not a ${type}`)
      }
    })
  )
}

/**
 * Encrypts `file` into `store` chunk by chunk and builds its DocumentReference (not stored).
 * @throws {DocumentContentError} when its bytes are not its type, or it is longer than its size
 * @throws the store's error, or the abort reason (chunks already written stay unreferenced)
 */
export async function storeDocument(
  store: EnvelopeStore,
  file: DocumentFile,
  init: { id: string; title: string; type: DocumentType; subject: Reference; now: number; onProgress?: (fraction: number) => void; signal?: AbortSignal }
): Promise<FhirResource> {
  const ref = await writeBlob(store, checked(file, init.type), {
    onProgress: (bytes) => init.onProgress?.(file.size === 0 ? 1 : bytes / file.size),
    ...(init.signal === undefined ? {} : { signal: init.signal })
  })
  const creation = new Date(init.now).toISOString()
  return {
    resourceType: 'DocumentReference',
    id: init.id,
    status: 'current',
    docStatus: 'final',
    subject: init.subject,
    date: creation,
    description: init.title,
    content: [
      {
        attachment: {
          contentType: init.type,
          url: `urn:phr:attachment:${ref.blobId}`,
          size: ref.size,
          title: init.title,
          creation,
          extension: [
            {
              url: ENCRYPTED_ATTACHMENT_URL,
              extension: [
                { url: 'fileKey', valueString: ref.fileKey },
                { url: 'chunkBytes', valueInteger: ref.chunkBytes },
                { url: 'chunkHashes', valueString: ref.chunkHashes.join(' ') }
              ]
            }
          ]
        }
      }
    ]
  }
}

const HEX = (n: number): RegExp => new RegExp(`^[0-9a-f]{${n}}$`)

/**
 * The encrypted file's reference in a DocumentReference.
 * @throws {DocumentUnreadableError} when it has none, or it is malformed
 */
export function blobRefOf(doc: FhirResource): { ref: BlobRef; contentType: string; title: string } {
  const attachment = (doc['content'] as { attachment?: Record<string, unknown> }[] | undefined)?.[0]?.attachment
  const ext = (attachment?.['extension'] as { url?: string; extension?: { url?: string; valueString?: unknown; valueInteger?: unknown }[] }[] | undefined)?.find(
    (e) => e.url === ENCRYPTED_ATTACHMENT_URL
  )
  const part = (name: string): unknown => {
    const e = ext?.extension?.find((x) => x.url === name)
    return e?.valueString ?? e?.valueInteger
  }
  const url = attachment?.['url']
  const blobId = typeof url === 'string' && url.startsWith('urn:phr:attachment:') ? url.slice('urn:phr:attachment:'.length) : ''
  const fileKey = part('fileKey')
  const chunkBytes = part('chunkBytes')
  const hashes = typeof part('chunkHashes') === 'string' ? (part('chunkHashes') as string).split(' ') : []
  const size = attachment?.['size']
  const ok =
    HEX(32).test(blobId) &&
    typeof fileKey === 'string' &&
    HEX(64).test(fileKey) &&
    typeof chunkBytes === 'number' &&
    Number.isSafeInteger(chunkBytes) &&
    chunkBytes > 0 &&
    chunkBytes <= 4 * 1024 * 1024 &&
    typeof size === 'number' &&
    Number.isSafeInteger(size) &&
    size >= 0 &&
    size <= MAX_DOCUMENT_BYTES &&
    hashes.length === Math.max(1, Math.ceil(size / chunkBytes)) &&
    hashes.every((h) => HEX(64).test(h))
  if (!ok) throw new DocumentUnreadableError(`DocumentReference/${doc.id}: no readable encrypted attachment`)
  const contentType = typeof attachment?.['contentType'] === 'string' ? attachment['contentType'] : 'application/octet-stream'
  const title = typeof attachment?.['title'] === 'string' ? attachment['title'] : ''
  return { ref: { blobId, fileKey: fileKey, size: size, chunkBytes: chunkBytes, chunkHashes: hashes }, contentType, title }
}

/**
 * A stored document's file as a stream, opened and checked chunk by chunk.
 * @throws {DocumentUnreadableError} when the reference is missing or malformed
 */
export function openDocument(store: EnvelopeStore, doc: FhirResource): { stream: ReadableStream<Uint8Array>; contentType: string; title: string; size: number } {
  const { ref, contentType, title } = blobRefOf(doc)
  return { stream: readBlob(store, ref), contentType, title, size: ref.size }
}
