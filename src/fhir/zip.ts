/**
 * Reading entries of a ZIP file (an Apple Health `export.zip`) without loading it whole:
 * the central directory is read from the end of the file (APPNOTE.TXT 6.3.10 §4.3.16 end of
 * central directory, §4.3.14–15 its ZIP64 form), and an entry's data is a `Blob.slice` of
 * the file streamed through the platform's `DecompressionStream('deflate-raw')` (method 8)
 * or as it is (method 0). Memory stays bounded by the directory and one stream chunk, so a
 * 1 GB export reads like a small one.
 *
 * Not read: encrypted entries, methods other than stored and deflate, multi-disk archives.
 */
import { FormatError, InputTooLargeError } from '../lib/index.ts'

/** The file is not a ZIP this reader can read (no end record, a damaged directory, an unsupported method). */
export class ZipFormatError extends FormatError {
  override name: string = 'ZipFormatError'
}

/** One entry of the central directory. */
export interface ZipEntry {
  readonly name: string
  /** 0 stored, 8 deflate. */
  readonly method: number
  readonly compressedSize: number
  readonly size: number
  /** Offset of the entry's local header. */
  readonly offset: number
}

/** Largest central directory read (an export with a million files would still fit). */
export const MAX_ZIP_DIRECTORY_BYTES = 64 << 20
/** Most entries read from a directory. */
export const MAX_ZIP_ENTRIES = 200_000

const EOCD = 0x06054b50
const ZIP64_LOCATOR = 0x07064b50
const ZIP64_EOCD = 0x06064b50
const CENTRAL = 0x02014b50
const LOCAL = 0x04034b50

async function bytesOf(file: Blob, start: number, end: number): Promise<DataView> {
  if (start < 0 || end > file.size || start > end) throw new ZipFormatError('zip: a record points outside the file')
  return new DataView(await file.slice(start, end).arrayBuffer())
}

const u64 = (v: DataView, at: number): number => {
  const n = v.getBigUint64(at, true)
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw new ZipFormatError('zip: a size or offset is too large')
  return Number(n)
}

/**
 * Whether `head` (the first bytes of a file) starts like a ZIP archive.
 * @throws Never.
 */
export function looksLikeZip(head: Uint8Array): boolean {
  return head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04
}

/**
 * The entries of the ZIP archive `file`, read from its central directory.
 * @throws {ZipFormatError} if there is no end-of-central-directory record, or the directory is damaged.
 * @throws {InputTooLargeError} if the directory is over `MAX_ZIP_DIRECTORY_BYTES` or lists over `MAX_ZIP_ENTRIES` entries.
 */
export async function readZipEntries(file: Blob): Promise<ZipEntry[]> {
  // §4.3.16: the end record is 22 bytes plus a comment of at most 65,535
  const tailStart = Math.max(0, file.size - (22 + 0xffff))
  const tail = await bytesOf(file, tailStart, file.size)
  let at = -1
  for (let i = tail.byteLength - 22; i >= 0; i--) {
    if (tail.getUint32(i, true) === EOCD) {
      at = i
      break
    }
  }
  if (at < 0) throw new ZipFormatError('zip: no end of central directory (not a ZIP file, or cut short)')
  let count = tail.getUint16(at + 10, true)
  let dirSize = tail.getUint32(at + 12, true)
  let dirOffset = tail.getUint32(at + 16, true)
  if (count === 0xffff || dirSize === 0xffffffff || dirOffset === 0xffffffff) {
    // §4.3.15: the ZIP64 locator sits right before the end record
    if (at < 20 || tail.getUint32(at - 20, true) !== ZIP64_LOCATOR) throw new ZipFormatError('zip: ZIP64 fields without a ZIP64 locator')
    const z64At = u64(tail, at - 20 + 8)
    const z64 = await bytesOf(file, z64At, z64At + 56)
    if (z64.getUint32(0, true) !== ZIP64_EOCD) throw new ZipFormatError('zip: damaged ZIP64 end record')
    count = u64(z64, 32)
    dirSize = u64(z64, 40)
    dirOffset = u64(z64, 48)
  }
  if (dirSize > MAX_ZIP_DIRECTORY_BYTES) throw new InputTooLargeError(`zip: central directory over ${MAX_ZIP_DIRECTORY_BYTES} bytes`)
  if (count > MAX_ZIP_ENTRIES) throw new InputTooLargeError(`zip: over ${MAX_ZIP_ENTRIES} entries`)
  const dir = await bytesOf(file, dirOffset, dirOffset + dirSize)
  const decoder = new TextDecoder('utf-8')
  const entries: ZipEntry[] = []
  let p = 0
  for (let n = 0; n < count; n++) {
    if (p + 46 > dir.byteLength || dir.getUint32(p, true) !== CENTRAL) throw new ZipFormatError(`zip: damaged central directory at entry ${n}`)
    const flags = dir.getUint16(p + 8, true)
    const method = dir.getUint16(p + 10, true)
    let compressedSize = dir.getUint32(p + 20, true)
    let size = dir.getUint32(p + 24, true)
    const nameLen = dir.getUint16(p + 28, true)
    const extraLen = dir.getUint16(p + 30, true)
    const commentLen = dir.getUint16(p + 32, true)
    let offset = dir.getUint32(p + 42, true)
    if (p + 46 + nameLen + extraLen + commentLen > dir.byteLength) throw new ZipFormatError(`zip: damaged central directory at entry ${n}`)
    const name = decoder.decode(new Uint8Array(dir.buffer, dir.byteOffset + p + 46, nameLen))
    // §4.5.3: the ZIP64 extra field holds, in order, only the fields set to 0xFFFFFFFF
    let e = p + 46 + nameLen
    const extraEnd = e + extraLen
    while (e + 4 <= extraEnd) {
      const id = dir.getUint16(e, true)
      const len = dir.getUint16(e + 2, true)
      if (id === 0x0001) {
        let q = e + 4
        const take = (): number => {
          if (q + 8 > e + 4 + len) throw new ZipFormatError(`zip: short ZIP64 field in ${name}`)
          const v = u64(dir, q)
          q += 8
          return v
        }
        if (size === 0xffffffff) size = take()
        if (compressedSize === 0xffffffff) compressedSize = take()
        if (offset === 0xffffffff) offset = take()
      }
      e += 4 + len
    }
    if ((flags & 1) === 0) entries.push({ name, method, compressedSize, size, offset })
    p = extraEnd + commentLen
  }
  return entries
}

/**
 * A stream of the uncompressed bytes of `entry` (stored or deflated).
 * @throws {ZipFormatError} if the local header is damaged or the method is neither stored nor deflate.
 */
export async function zipEntryStream(file: Blob, entry: ZipEntry): Promise<ReadableStream<Uint8Array>> {
  const local = await bytesOf(file, entry.offset, Math.min(file.size, entry.offset + 30))
  if (local.byteLength < 30 || local.getUint32(0, true) !== LOCAL) throw new ZipFormatError(`zip: damaged local header of ${entry.name}`)
  // §4.3.7: the local name and extra lengths may differ from the central ones
  const start = entry.offset + 30 + local.getUint16(26, true) + local.getUint16(28, true)
  const data = file.slice(start, start + entry.compressedSize)
  if (data.size !== entry.compressedSize) throw new ZipFormatError(`zip: ${entry.name} is cut short`)
  if (entry.method === 0) return data.stream()
  if (entry.method === 8) return data.stream().pipeThrough(new DecompressionStream('deflate-raw'))
  throw new ZipFormatError(`zip: ${entry.name} uses compression method ${entry.method}, which is not supported`)
}
