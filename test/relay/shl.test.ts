/**
 * The relay's SMART Health Links server over real HTTP: a patient's device registers a
 * link (signed), a viewer reads it as the SHL specification says — manifest with a
 * passcode, embedded or single-use location, JWE decrypted with the key from the link —
 * wrong passcodes count down and then disable the link, expiry is honoured, and only the
 * owner can read the access log or delete the link. The database holds only ciphertext.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createServer, type Server } from 'node:http'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createPerson } from '../../src/crypto/index.ts'
import { createShlServer, type ShlServer } from '../../src/relay/index.ts'
import { newShlId, shlIdText, signShlHosting, signShlRequest, ShlAction } from '../../src/sync/index.ts'
import { createShlink, decodeShlink, decryptShlFile, encryptShlFile, randomShlKey } from '../../src/fhir/index.ts'

const MARKER = 'MARKER-allergy-to-penicillin-5d1f'
const cleanup: Array<() => void | Promise<void>> = []
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c()
})

async function start(now: { t: number }): Promise<{ base: string; shl: ShlServer; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'phr-shl-'))
  const holder: { shl?: ShlServer } = {}
  const server: Server = createServer((req, res) => {
    if (holder.shl?.handle(req, res) !== true) {
      res.writeHead(404)
      res.end()
    }
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const addr = server.address()
  if (addr === null || typeof addr === 'string') throw new Error('no address')
  const base = `http://127.0.0.1:${addr.port}`
  const running = createShlServer({ path: join(dir, 'shl.sqlite'), baseUrl: base, clock: () => now.t })
  holder.shl = running
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }))
  cleanup.push(() => new Promise<void>((r) => server.close(() => r())))
  cleanup.push(() => running.close())
  return { base, shl: running, dir }
}

const patient = createPerson().keys
const bundle = { resourceType: 'Bundle', type: 'collection', entry: [{ resource: { resourceType: 'AllergyIntolerance', id: 'a1', patient: { reference: 'Patient/p' }, code: { text: MARKER } } }] }

async function register(base: string, now: number, opts: { passcode?: string; exp?: number; attempts?: number } = {}): Promise<{ link: string; id: Uint8Array }> {
  const key = randomShlKey()
  const jwe = await encryptShlFile(bundle, key)
  const id = newShlId()
  const reg = signShlHosting({ id, issuedAt: now, ...opts, attempts: opts.attempts ?? 3, files: [{ contentType: 'application/fhir+json', jwe }] }, patient.signing.secretKey)
  const res = await fetch(`${base}/shl/links`, { method: 'POST', body: Buffer.from(reg) })
  expect(res.status).toBe(201)
  const { url } = (await res.json()) as { url: string }
  expect(url).toBe(`${base}/shl/${shlIdText(id)}`)
  return { link: createShlink({ url, key, ...(opts.passcode === undefined ? {} : { flag: 'P' }), ...(opts.exp === undefined ? {} : { exp: opts.exp }), label: 'Visit summary' }), id }
}

const post = (url: string, body: unknown): Promise<Response> => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })

describe('SMART Health Links on the relay', () => {
  it('serve a registered link to a viewer with the passcode, and count wrong passcodes down to disabling it', async () => {
    const now = { t: Date.now() }
    const { base, dir } = await start(now)
    const { link } = await register(base, now.t, { passcode: '4821', attempts: 3 })
    const payload = decodeShlink(link)
    expect(payload.flag).toBe('P')

    const ok = await post(payload.url, { recipient: 'Dr. Karimova, Tashkent', passcode: '4821' })
    expect(ok.status).toBe(200)
    const manifest = (await ok.json()) as { files: Array<{ contentType: string; embedded?: string }> }
    expect(manifest.files).toHaveLength(1)
    expect(await decryptShlFile(manifest.files[0]!.embedded!, payload.key)).toEqual(bundle)

    // the relay held nothing readable
    const raw = readFileSync(join(dir, 'shl.sqlite'))
    expect(raw.indexOf(Buffer.from(MARKER))).toBe(-1)
    expect(raw.indexOf(Buffer.from('4821'))).toBe(-1)

    expect((await post(payload.url, { recipient: 'x', passcode: '0000' })).status).toBe(401)
    const second = await post(payload.url, { recipient: 'x' })
    expect(second.status).toBe(401)
    expect(await second.json()).toEqual({ remainingAttempts: 1 })
    expect(await (await post(payload.url, { recipient: 'x', passcode: '1111' })).json()).toEqual({ remainingAttempts: 0 })
    // disabled for good, even with the right passcode
    expect((await post(payload.url, { recipient: 'x', passcode: '4821' })).status).toBe(404)
    expect((await post(payload.url, { passcode: '4821' })).status).toBe(404)
  })

  it('give a single-use location for files over embeddedLengthMax, honour expiry, and refuse forged registrations', async () => {
    const now = { t: Date.now() }
    const { base } = await start(now)
    const { link } = await register(base, now.t, { exp: Math.floor(now.t / 1000) + 3600 })
    const payload = decodeShlink(link)
    const m = (await (await post(payload.url, { recipient: 'ER Tashkent', embeddedLengthMax: 0 })).json()) as { files: Array<{ location: string }> }
    const location = m.files[0]!.location
    const first = await fetch(location)
    expect(first.status).toBe(200)
    expect(first.headers.get('content-type')).toBe('application/jose')
    expect(await decryptShlFile(await first.text(), payload.key)).toEqual(bundle)
    expect((await fetch(location)).status).toBe(404) // used
    expect((await post(payload.url, { recipient: '' })).status).toBe(400)
    now.t += 3600_000
    expect((await post(payload.url, { recipient: 'late' })).status).toBe(404)

    const reg = signShlHosting({ id: newShlId(), issuedAt: now.t, attempts: 1, files: [{ contentType: 'application/fhir+json', jwe: 'x.y.z' }] }, patient.signing.secretKey)
    reg[reg.length - 1]! ^= 1
    const forged = await fetch(`${base}/shl/links`, { method: 'POST', body: Buffer.from(reg) })
    expect(forged.status).toBe(400)
    expect(((await forged.json()) as { error: string }).error).toMatch(/^SignatureInvalidError/)
    expect((await fetch(`${base}/shl/links`, { method: 'POST', body: Buffer.alloc(17 * 1024 * 1024) })).status).toBe(413)
  })

  it('let only the owner read the access log and delete the link', async () => {
    const now = { t: Date.now() }
    const { base } = await start(now)
    const { link, id } = await register(base, now.t)
    const payload = decodeShlink(link)
    await post(payload.url, { recipient: 'Pharmacy 12' })
    await post(payload.url, { recipient: 'ER Samarkand' })
    const owner = `${payload.url}/owner`
    const stranger = createPerson().keys
    expect((await fetch(owner, { method: 'POST', body: Buffer.from(signShlRequest(id, ShlAction.readLog, now.t, stranger.signing.secretKey)) })).status).toBe(403)
    expect((await fetch(owner, { method: 'POST', body: Buffer.from(signShlRequest(id, ShlAction.readLog, now.t - 3_600_000, patient.signing.secretKey)) })).status).toBe(403)
    const log = (await (await fetch(owner, { method: 'POST', body: Buffer.from(signShlRequest(id, ShlAction.readLog, now.t, patient.signing.secretKey)) })).json()) as {
      entries: Array<{ recipient: string; outcome: string }>
    }
    expect(log.entries.map((e) => [e.recipient, e.outcome])).toEqual([
      ['Pharmacy 12', 'served'],
      ['ER Samarkand', 'served']
    ])
    expect((await fetch(owner, { method: 'POST', body: Buffer.from(signShlRequest(id, ShlAction.delete, now.t, patient.signing.secretKey)) })).status).toBe(204)
    expect((await post(payload.url, { recipient: 'after' })).status).toBe(404)
  })
})
