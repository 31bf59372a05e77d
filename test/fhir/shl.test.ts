import { readFileSync } from 'node:fs'
import fc from 'fast-check'
import { base64url, CompactEncrypt, compactDecrypt } from 'jose'
import { deflateSync, inflateSync } from 'fflate'
import { describe, expect, it } from 'vitest'
import {
  createShlink,
  decodeShlink,
  decryptShlFile,
  encryptShlFile,
  isShlinkExpired,
  manifestRequest,
  parseManifest,
  randomShlKey,
  ShlDecryptError,
  ShlinkFormatError,
  ShlManifestFormatError,
  ShlTooLargeError,
  type ShlinkPayload
} from '../../src/fhir/index.ts'
import { fixture, MINIMAL } from './helpers.ts'

interface SpecVectors {
  link: { bare: string; viewer: string; payload: ShlinkPayload }
  file: { key: string; jwe: string; cty: string; plaintextVerifiableCredentialPrefix: string }
}
const SPEC = JSON.parse(readFileSync(new URL('./vectors/shl-spec.json', import.meta.url), 'utf8')) as SpecVectors

const enc = new TextEncoder()
const b64u = (b: Uint8Array): string => base64url.encode(b)

/** An encoder that shares no code with jose or ours: WebCrypto AES-256-GCM over fflate raw DEFLATE (RFC 7516 §5.1, compact serialisation). */
async function independentJwe(json: unknown, key: string, zip: boolean): Promise<string> {
  const header = b64u(enc.encode(JSON.stringify({ alg: 'dir', enc: 'A256GCM', ...(zip ? { zip: 'DEF' } : {}), cty: 'application/fhir+json' })))
  const plain = enc.encode(JSON.stringify(json))
  const body = zip ? deflateSync(plain) : plain
  const iv = crypto.getRandomValues(new Uint8Array(12))
  const k = await crypto.subtle.importKey('raw', new Uint8Array(base64url.decode(key)), 'AES-GCM', false, ['encrypt'])
  // RFC 7516 §5.1 step 14: AAD = ASCII(BASE64URL(UTF8(protected header)))
  const out = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: enc.encode(header), tagLength: 128 }, k, body))
  return [header, '', b64u(iv), b64u(out.slice(0, -16)), b64u(out.slice(-16))].join('.')
}

describe('decodeShlink', () => {
  it('decodes the spec example, bare and behind a viewer URL', () => {
    expect(decodeShlink(SPEC.link.bare)).toEqual(SPEC.link.payload)
    expect(decodeShlink(SPEC.link.viewer)).toEqual(SPEC.link.payload)
    expect(decodeShlink(`  ${SPEC.link.bare}\n`)).toEqual(SPEC.link.payload)
  })

  it('ignores payload properties it does not know (spec: SHALL ignore)', () => {
    const link = `shlink:/${b64u(enc.encode(JSON.stringify({ ...SPEC.link.payload, future: { x: 1 }, exp: 1700000000, v: 1 })))}`
    expect(decodeShlink(link)).toEqual({ ...SPEC.link.payload, exp: 1700000000, v: 1 })
    expect(isShlinkExpired(decodeShlink(link), 1700000000 * 1000)).toBe(true)
    expect(isShlinkExpired(decodeShlink(link), 1700000000 * 1000 - 1)).toBe(false)
    expect(isShlinkExpired(SPEC.link.payload)).toBe(false)
  })

  it('throws ShlinkFormatError for malformed links', () => {
    const p = SPEC.link.payload
    const make = (o: unknown): string => `shlink:/${b64u(enc.encode(JSON.stringify(o)))}`
    const bad = [
      'https://viewer.example.org#nothing',
      'shlink:/',
      'shlink:/not base64!',
      `shlink:/${b64u(enc.encode('not json'))}`,
      make([1, 2]),
      make({ ...p, key: undefined }),
      make({ ...p, key: p.key.slice(1) }),
      make({ ...p, key: `${p.key.slice(0, 42)}=` }),
      make({ ...p, url: undefined }),
      make({ ...p, url: `https://x.example/${'a'.repeat(120)}` }),
      make({ ...p, url: 'http://ehr.example.org/m' }),
      make({ ...p, label: 'x'.repeat(81) }),
      make({ ...p, exp: '2024' }),
      make({ ...p, flag: 'lp' }),
      make({ ...p, flag: 'PU' }),
      make({ ...p, v: 1.5 }),
      `shlink:/${'A'.repeat(9000)}`
    ]
    for (const link of bad) expect(() => decodeShlink(link), link.slice(0, 60)).toThrow(ShlinkFormatError)
    expect(() => decodeShlink(42 as unknown as string)).toThrow(expect.objectContaining({ name: 'ShlinkFormatError' }) as Error)
  })

  it('createShlink → decodeShlink gives the payload back (property)', () => {
    const payload = fc.record(
      {
        url: fc.webPath().map((p) => `https://shl.example.org/m${p}`.slice(0, 128)),
        key: fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => b64u(b)),
        exp: fc.integer({ min: 0, max: 2 ** 40 }),
        flag: fc.constantFrom('L', 'P', 'U', 'LP', 'LU'),
        label: fc.string({ maxLength: 80 })
      },
      { requiredKeys: ['url', 'key'] }
    )
    fc.assert(
      fc.property(payload, fc.boolean(), (p, viewer) => {
        const link = createShlink(p, viewer ? 'https://viewer.example.org/#' : undefined)
        expect(link.startsWith(viewer ? 'https://viewer.example.org/#shlink:/' : 'shlink:/')).toBe(true)
        expect(decodeShlink(link)).toEqual(p)
      })
    )
  })

  it('createShlink follows the spec: flags in alphabetical order, viewer URL ending in #', () => {
    const key = randomShlKey()
    expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(() => createShlink({ url: 'https://a.example/m', key, flag: 'PL' })).toThrow(ShlinkFormatError)
    expect(() => createShlink({ url: 'https://a.example/m', key }, 'https://viewer.example.org')).toThrow(ShlinkFormatError)
  })
})

describe('SHL files', () => {
  it('decrypts the spec example file (known answer)', async () => {
    const out = (await decryptShlFile(SPEC.file.jwe, SPEC.file.key)) as { verifiableCredential: string[] }
    expect(out.verifiableCredential).toHaveLength(1)
    expect(out.verifiableCredential[0]?.startsWith(SPEC.file.plaintextVerifiableCredentialPrefix)).toBe(true)
  })

  it('decrypts a zip:DEF file made by jose directly (not by encryptShlFile)', async () => {
    const key = randomShlKey()
    const ips = fixture(MINIMAL)
    const jwe = await new CompactEncrypt(enc.encode(JSON.stringify(ips)))
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', zip: 'DEF', cty: 'application/fhir+json' })
      .encrypt(base64url.decode(key))
    expect(await decryptShlFile(jwe, key)).toEqual(ips)
  })

  it('decrypts files made by an independent encoder (WebCrypto + fflate), compressed or not', async () => {
    const key = randomShlKey()
    const ips = fixture(MINIMAL)
    expect(await decryptShlFile(await independentJwe(ips, key, true), key)).toEqual(ips)
    expect(await decryptShlFile(await independentJwe(ips, key, false), key)).toEqual(ips)
  })

  it('encryptShlFile writes dir/A256GCM/zip DEF with cty application/fhir+json, raw DEFLATE inside', async () => {
    const key = randomShlKey()
    const ips = fixture(MINIMAL)
    const jwe = await encryptShlFile(ips, key)
    const parts = jwe.split('.')
    expect(parts).toHaveLength(5)
    expect(parts[1]).toBe('') // dir: no encrypted key
    expect(JSON.parse(new TextDecoder().decode(base64url.decode(parts[0] as string)))).toEqual({ alg: 'dir', enc: 'A256GCM', zip: 'DEF', cty: 'application/fhir+json' })
    // opened without our code: WebCrypto for AES-GCM, fflate for the raw DEFLATE
    const k = await crypto.subtle.importKey('raw', new Uint8Array(base64url.decode(key)), 'AES-GCM', false, ['decrypt'])
    const ct = new Uint8Array([...base64url.decode(parts[3] as string), ...base64url.decode(parts[4] as string)])
    const deflated = new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv: new Uint8Array(base64url.decode(parts[2] as string)), additionalData: enc.encode(parts[0]) }, k, ct))
    expect(JSON.parse(new TextDecoder().decode(inflateSync(deflated)))).toEqual(ips)
    expect(deflated.length).toBeLessThan(JSON.stringify(ips).length / 2)
    // and jose reads it
    const viaJose = await compactDecrypt(jwe, base64url.decode(key))
    expect(viaJose.protectedHeader.cty).toBe('application/fhir+json')
    expect(await decryptShlFile(jwe, key)).toEqual(ips)
  })

  it('a wrong key or a tampered file is a ShlDecryptError, never plaintext', async () => {
    const key = randomShlKey()
    const jwe = await encryptShlFile({ secret: 'x' }, key)
    await expect(decryptShlFile(jwe, randomShlKey())).rejects.toThrow(ShlDecryptError)
    await expect(decryptShlFile(SPEC.file.jwe, key)).rejects.toMatchObject({ name: 'ShlDecryptError' })
    const parts = jwe.split('.')
    const ct = base64url.decode(parts[3] as string)
    ct[0] = (ct[0] as number) ^ 1
    await expect(decryptShlFile([parts[0], '', parts[2], b64u(ct), parts[4]].join('.'), key)).rejects.toThrow(ShlDecryptError)
    // a header swapped for one without zip: the AAD no longer matches
    const noZip = b64u(enc.encode(JSON.stringify({ alg: 'dir', enc: 'A256GCM', cty: 'application/fhir+json' })))
    await expect(decryptShlFile([noZip, ...parts.slice(1)].join('.'), key)).rejects.toThrow(ShlDecryptError)
    // not dir/A256GCM
    const a128 = await new CompactEncrypt(enc.encode('{}')).setProtectedHeader({ alg: 'dir', enc: 'A128GCM' }).encrypt(new Uint8Array(16))
    await expect(decryptShlFile(a128, key)).rejects.toThrow(ShlDecryptError)
    await expect(decryptShlFile('a.b.c', key)).rejects.toThrow(ShlDecryptError)
    await expect(decryptShlFile(jwe, 'short')).rejects.toThrow(ShlinkFormatError)
  })

  it('caps the inflated size (a compression bomb) and the file size', async () => {
    const key = randomShlKey()
    const bomb = await independentJwe({ pad: ' '.repeat(2_000_000) }, key, true)
    expect(bomb.length).toBeLessThan(20_000)
    await expect(decryptShlFile(bomb, key, { maxPlaintextBytes: 100_000 })).rejects.toThrow(ShlTooLargeError)
    await expect(decryptShlFile(bomb, key, { maxFileChars: 1000 })).rejects.toThrow(ShlTooLargeError)
    expect(((await decryptShlFile(bomb, key)) as { pad: string }).pad).toHaveLength(2_000_000)
  })

  it('a decrypted file that is not JSON is a ShlDecryptError', async () => {
    const key = randomShlKey()
    const jwe = await new CompactEncrypt(enc.encode('not json')).setProtectedHeader({ alg: 'dir', enc: 'A256GCM' }).encrypt(base64url.decode(key))
    await expect(decryptShlFile(jwe, key)).rejects.toThrow(ShlDecryptError)
  })
})

describe('SHL manifest', () => {
  const payload = (flag?: string): ShlinkPayload => ({ url: 'https://shl.example.org/m/abc', key: randomShlKey(), ...(flag === undefined ? {} : { flag }) })

  it('builds the POST request: recipient always, passcode only with flag P', () => {
    const req = manifestRequest(payload('P'), { recipient: 'Dr Smith', passcode: '1234', embeddedLengthMax: 10_000 })
    expect(req).toEqual({ method: 'POST', url: 'https://shl.example.org/m/abc', headers: { 'content-type': 'application/json' }, body: expect.any(String) as string })
    expect(JSON.parse(req.body)).toEqual({ recipient: 'Dr Smith', passcode: '1234', embeddedLengthMax: 10_000 })
    expect(JSON.parse(manifestRequest(payload('L'), { recipient: 'Dr Smith', passcode: 'ignored' }).body)).toEqual({ recipient: 'Dr Smith' })
    expect(() => manifestRequest(payload('P'), { recipient: 'Dr Smith' })).toThrow(ShlinkFormatError)
    expect(() => manifestRequest(payload('U'), { recipient: 'Dr Smith' })).toThrow(ShlinkFormatError)
    expect(() => manifestRequest(payload(), { recipient: ' ' })).toThrow(ShlinkFormatError)
  })

  it('reads a manifest like the spec example, and its embedded file decrypts', async () => {
    const key = randomShlKey()
    const embedded = await encryptShlFile(fixture(MINIMAL), key)
    const manifest = parseManifest({
      files: [
        { contentType: 'application/smart-health-card', location: 'https://bucket.cloud.example.org/file1?sas=MFXK6jL3oL3SI_lRfi_-cEfzIs5oHs6rRWmrsCAFzvk' },
        { contentType: 'application/fhir+json', embedded },
        { contentType: 'application/fhir+json;fhirVersion=4.0.1', location: 'https://bucket.cloud.example.org/file2?sas=T34xzj1XtqTYb2lzcgj59XCY4I6vLN3AwrTUIT9GuSc', lastUpdated: '2025-03-09T15:29:46Z' }
      ],
      status: 'finalized'
    })
    expect(manifest.files.map((f) => f.contentType)).toEqual(['application/smart-health-card', 'application/fhir+json', 'application/fhir+json;fhirVersion=4.0.1'])
    expect(manifest.status).toBe('finalized')
    expect(await decryptShlFile(manifest.files[1]?.embedded as string, key)).toEqual(fixture(MINIMAL))
    for (const bad of [{}, { files: {} }, { files: [{ contentType: 'text/html', location: 'https://x' }] }, { files: [{ contentType: 'application/fhir+json' }] }, { files: [{ contentType: 'application/fhir+json', location: 'https://x', embedded }] }, { files: [{ contentType: 'application/fhir+json', embedded: 'abc' }] }]) {
      expect(() => parseManifest(bad), JSON.stringify(bad).slice(0, 80)).toThrow(ShlManifestFormatError)
    }
  })
})
