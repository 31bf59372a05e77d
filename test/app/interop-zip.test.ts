/** Reading an Apple Health `export.zip` without loading it whole (src/app/interop-zip.ts), against archives written by fflate. */
import { describe, it, expect } from 'vitest'
import { zipSync, strToU8 } from 'fflate'
import { looksLikeZip, readZipEntries, zipEntryStream, ZipFormatError } from '../../src/app/interop-zip.ts'

const text = async (s: ReadableStream<Uint8Array>): Promise<string> => new Response(s).text()

const xml = `<?xml version="1.0"?><HealthData>${'<Record type="x" value="1"/>'.repeat(2000)}</HealthData>`
const archive = zipSync(
  {
    'apple_health_export/export.xml': [strToU8(xml), { level: 6 }],
    'apple_health_export/clinical-records/a.json': [strToU8('{"resourceType":"Condition"}'), { level: 0 }]
  },
  { comment: 'a comment after the directory' }
)

describe('interop zip reader', () => {
  it('lists the entries from the central directory and streams stored and deflated data', async () => {
    const file = new Blob([archive])
    expect(looksLikeZip(archive.subarray(0, 4))).toBe(true)
    const entries = await readZipEntries(file)
    expect(entries.map((e) => [e.name, e.method, e.size])).toEqual([
      ['apple_health_export/export.xml', 8, xml.length],
      ['apple_health_export/clinical-records/a.json', 0, 28]
    ])
    expect(entries[0]!.compressedSize).toBeLessThan(xml.length / 10)
    expect(await text(await zipEntryStream(file, entries[0]!))).toBe(xml)
    expect(await text(await zipEntryStream(file, entries[1]!))).toBe('{"resourceType":"Condition"}')
  })

  it('refuses a file that is not a ZIP, or one cut short, by name', async () => {
    expect(looksLikeZip(strToU8('{"resourceType"'))).toBe(false)
    await expect(readZipEntries(new Blob([strToU8('not a zip at all')]))).rejects.toThrow(ZipFormatError)
    // cut before the end record: no directory to read
    await expect(readZipEntries(new Blob([archive.subarray(0, archive.length - 60)]))).rejects.toMatchObject({ name: 'ZipFormatError' })
  })

  it('refuses an entry whose local header was damaged', async () => {
    const damaged = archive.slice()
    damaged[0] = 0x00 // the first local header's signature
    const file = new Blob([damaged])
    const entries = await readZipEntries(file)
    await expect(zipEntryStream(file, entries[0]!)).rejects.toMatchObject({ name: 'ZipFormatError' })
  })
})
