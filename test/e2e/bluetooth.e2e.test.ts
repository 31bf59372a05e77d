/**
 * Device sessions over the real Web Bluetooth of Chromium (`--enable-features=WebBluetooth`),
 * with the devices played by Chromium's CDP BluetoothEmulation (browser-level session) and
 * the chooser answered through DeviceAccess (page session): a heart-rate strap streams
 * readings, a garbage value is named and the stream goes on, a dropped link reconnects with
 * backoff, a blood-pressure cuff indicates a measurement, a glucose meter hands over its
 * stored records through RACP — first all of them, then after a drop only the newer ones —
 * and after a reload the strap comes back from `getDevices()` without the chooser.
 *
 * CDP has no command to push a notification: the test queues the bytes for a
 * characteristic and has the page read the characteristic the session subscribed to,
 * which fires the session's `characteristicvaluechanged` listener (test/devices/browser).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { browserCdp, launchChromium, pageCdp, watchPageErrors } from '../helpers/browser.ts'
import { startPageServer, type PageServer } from '../helpers/vite-server.ts'
import type { BluetoothPageApi } from '../devices/browser/page.ts'
import { Peripherals } from '../helpers/bluetooth-emulation.ts'

const STRAP = { address: '09:09:09:09:09:01', name: 'PHR HR Strap' }
const CUFF = { address: '09:09:09:09:09:02', name: 'PHR BP Cuff' }
const METER = { address: '09:09:09:09:09:03', name: 'PHR Glucose Meter' }

/** A Glucose Measurement (GLS 1.0 §3.1): flags 0x02, sequence, 2024-05-02 08:15:00, SFLOAT mg/dL × 10^-5 kg/L, capillary/finger. */
const glucose = (sequence: number, mgDl: number): number[] => [0x02, sequence & 0xff, sequence >> 8, 0xe8, 0x07, 5, 2, 8, 15, 0, mgDl & 0xff, 0xb0 | (mgDl >> 8), 0x11]

let server: PageServer
let browser: Browser
let page: Page
let errors: string[]
let emulation: Peripherals
/** The address of the device the chooser should pick next (the chooser lists emulated devices by address, with an empty name). */
let choose = ''
const meterRecords = new Map<number, number>([
  [1, 98],
  [2, 143]
])

type Call = <K extends keyof BluetoothPageApi>(name: K, ...args: Parameters<BluetoothPageApi[K]>) => Promise<Awaited<ReturnType<BluetoothPageApi[K]>>>
const call: Call = (name, ...a) =>
  page.evaluate(
    async ([n, x]) => {
      const api = (window as unknown as { __bt: Record<string, (...v: unknown[]) => unknown> }).__bt
      return (await api[n as string]?.(...(x as unknown[]))) as never
    },
    [name, a] as const
  )

/** Delivers `bytes` as a notification/indication of `characteristic` to session `index`. */
async function push(index: number, address: string, service: number, characteristic: number, bytes: number[]): Promise<void> {
  emulation.queue(address, characteristic, bytes)
  expect(await call('push', index, service, characteristic)).toEqual(bytes)
}

beforeAll(async () => {
  server = await startPageServer()
  // WebBluetoothNewPermissionsBackend gives navigator.bluetooth.getDevices() (absent without it);
  // the last --enable-features wins, so WebBluetooth is repeated here
  browser = await launchChromium({ bluetooth: true, args: ['--enable-features=WebBluetooth,WebBluetoothNewPermissionsBackend'] })
  emulation = new Peripherals(await browserCdp(browser))
  await emulation.enable()
  await emulation.add(STRAP.address, STRAP.name, [
    { uuid: 0x180d, characteristics: [{ uuid: 0x2a37, notify: true }] },
    { uuid: 0x180f, characteristics: [{ uuid: 0x2a19, notify: true }] }
  ])
  await emulation.add(CUFF.address, CUFF.name, [{ uuid: 0x1810, characteristics: [{ uuid: 0x2a35, indicate: true }] }])
  await emulation.add(METER.address, METER.name, [
    {
      uuid: 0x1808,
      characteristics: [
        { uuid: 0x2a18, notify: true },
        { uuid: 0x2a52, indicate: true, write: true }
      ]
    }
  ])
  // the meter: a "report stored records" write is answered with the records, then the response code
  emulation.onWrite = (address, characteristic, data) => {
    if (address !== METER.address || characteristic !== 0x2a52 || data[0] !== 0x01) return
    const from = data[1] === 0x01 ? 0 : (data[3] ?? 0) | ((data[4] ?? 0) << 8)
    const due = [...meterRecords.entries()].filter(([s]) => s >= from)
    void (async () => {
      for (const [s, mg] of due) await push(meterIndex, METER.address, 0x1808, 0x2a18, glucose(s, mg))
      // RACP response code: request op code 0x01, 0x01 Success or 0x06 No records found
      await push(meterIndex, METER.address, 0x1808, 0x2a52, [0x06, 0x00, 0x01, due.length > 0 ? 0x01 : 0x06])
    })().catch((err: unknown) => emulation.failures.push(`meter: ${String(err)}`))
  }

  const context = await browser.newContext()
  page = await context.newPage()
  errors = watchPageErrors(page)
  const chooser = await pageCdp(page)
  await chooser.send('DeviceAccess.enable')
  const answered = new Set<string>()
  chooser.on('DeviceAccess.deviceRequestPrompted', (e) => {
    const device = e.devices.find((d) => d.id === choose)
    // the event can fire again for the same prompt (as devices are found): answer once
    if (device === undefined || answered.has(e.id)) return
    answered.add(e.id)
    chooser.send('DeviceAccess.selectPrompt', { id: e.id, deviceId: device.id }).catch((err: unknown) => emulation.failures.push(`selectPrompt: ${String(err)}`))
  })
  await page.goto(server.url('test/devices/browser/index.html'))
  await page.waitForFunction(() => (window as unknown as { __bt?: unknown }).__bt !== undefined, undefined, { timeout: 60_000 })
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await server?.close()
})

let meterIndex = -1
const bpm = async (index: number): Promise<number[]> => (await call('log', index)).readings.map((r) => (r.reading.kind === 'heart-rate' ? r.reading.value.bpm : -1))

describe('device sessions over Chromium’s emulated Bluetooth', () => {
  it('pairs a heart-rate strap through the chooser and turns its notifications into bpm and Observations', async () => {
    expect(await call('available')).toBe(true)
    choose = STRAP.address
    emulation.queue(STRAP.address, 0x2a19, [76]) // battery level read at connect
    const strap = await call('pair', 'heart-rate')
    expect(strap).toMatchObject({ index: 0, name: STRAP.name })
    await expect.poll(async () => (await call('log', 0)).state).toEqual({ state: 'connected' })
    expect((await call('log', 0)).battery).toBe(76)

    await push(0, STRAP.address, 0x180d, 0x2a37, [0x00, 72]) // HRS: flags 0, 72 bpm
    await push(0, STRAP.address, 0x180d, 0x2a37, [0x10, 75, 0x00, 0x04]) // 75 bpm, RR 1024/1024 s
    await expect.poll(() => bpm(0)).toEqual([72, 75])
    const log = await call('log', 0)
    const first = log.readings[0]
    expect(first?.observations[0]?.code.coding?.[0]).toMatchObject({ system: 'http://loinc.org', code: '8867-4' })
    expect(first?.observations[0]?.valueQuantity).toMatchObject({ value: 72, unit: '/min' })
    expect(first?.observations[0]?.device?.identifier?.value).toBe(strap.id)
    expect(first?.samples[0]).toMatchObject({ code: '8867-4', value: 72 })
    expect(log.readings[1]?.reading).toMatchObject({ value: { rrIntervalsMs: [1000] } })
  })

  it('a garbage value gives a named error and the stream goes on', async () => {
    await push(0, STRAP.address, 0x180d, 0x2a37, [0x01, 0x48]) // flags say a 16-bit value; one octet follows
    await expect.poll(async () => (await call('log', 0)).errors).toEqual([expect.objectContaining({ name: 'DeviceValueError', cause: 'GattFormatError' })])
    await push(0, STRAP.address, 0x180d, 0x2a37, [0x00, 77])
    await expect.poll(() => bpm(0)).toEqual([72, 75, 77])
  })

  it('a dropped connection reconnects with backoff and the readings continue', async () => {
    await emulation.disconnect(STRAP.address)
    await expect.poll(async () => (await call('log', 0)).states.some((s) => s.state === 'reconnecting')).toBe(true)
    await expect.poll(async () => (await call('log', 0)).state, { timeout: 15_000 }).toEqual({ state: 'connected' })
    const states = (await call('log', 0)).states
    const reconnecting = states.find((s) => s.state === 'reconnecting')
    expect(reconnecting).toMatchObject({ attempt: 1 })
    expect(reconnecting?.state === 'reconnecting' ? reconnecting.inMs : 0).toBeGreaterThan(0)
    expect(states.slice(-3).map((s) => s.state)).toEqual(['reconnecting', 'connecting', 'connected'])
    await push(0, STRAP.address, 0x180d, 0x2a37, [0x00, 81])
    await expect.poll(() => bpm(0)).toEqual([72, 75, 77, 81])
    expect((await call('log', 0)).errors.map((e) => e.name)).toEqual(['DeviceValueError']) // only the garbage value
    expect((await call('log', 0)).battery).toBe(76)
  })

  it('a blood-pressure cuff’s indication is parsed to systolic/diastolic', async () => {
    choose = CUFF.address
    const cuff = await call('pair', 'blood-pressure')
    await expect.poll(async () => (await call('log', cuff.index)).state).toEqual({ state: 'connected' })
    // BLS: flags 0 (mmHg) ‖ systolic 121 ‖ diastolic 79 ‖ MAP 93, each an SFLOAT with exponent 0
    await push(cuff.index, CUFF.address, 0x1810, 0x2a35, [0x00, 121, 0x00, 79, 0x00, 93, 0x00])
    await expect.poll(async () => (await call('log', cuff.index)).readings.length).toBe(1)
    const r = (await call('log', cuff.index)).readings[0]
    expect(r?.reading).toMatchObject({ kind: 'blood-pressure', value: { systolic: 121, diastolic: 79, meanArterial: 93, unit: 'mm[Hg]' } })
    const panel = r?.observations[0]
    expect(panel?.code.coding?.[0]?.code).toBe('85354-9')
    expect(panel?.component?.map((c) => [c.code.coding?.[0]?.code, c.valueQuantity?.value])).toEqual([
      ['8480-6', 121],
      ['8462-4', 79],
      ['8478-0', 93]
    ])
  })

  it('a glucose meter’s stored records come through RACP: all the first time, only newer ones after a drop', async () => {
    choose = METER.address
    meterIndex = 2
    const meter = await call('pair', 'glucose')
    expect(meter.index).toBe(meterIndex)
    await expect.poll(async () => (await call('log', meterIndex)).records, { timeout: 20_000 }).toEqual([{ requested: 'all', received: 2, outcome: 'success' }])
    expect(emulation.writes.filter((w) => w.address === METER.address).map((w) => w.data)).toEqual([[0x01, 0x01]])
    const log = await call('log', meterIndex)
    expect(log.readings.map((r) => [r.stored, r.observations[0]?.code.coding?.[0]?.code, r.observations[0]?.valueQuantity?.value])).toEqual([
      [true, '2339-0', 98],
      [true, '2339-0', 143]
    ])
    expect(await call('lastSequence', meterIndex)).toBe(2)

    // a new record on the meter; the link drops; on reconnect the session asks for ≥ 3 only
    meterRecords.set(3, 110)
    await emulation.disconnect(METER.address)
    await expect.poll(async () => (await call('log', meterIndex)).records.length, { timeout: 20_000 }).toBe(2)
    expect(emulation.writes.filter((w) => w.address === METER.address).map((w) => w.data)[1]).toEqual([0x01, 0x03, 0x01, 0x03, 0x00])
    expect((await call('log', meterIndex)).records[1]).toEqual({ requested: 3, received: 1, outcome: 'success' })
    expect(await call('lastSequence', meterIndex)).toBe(3)
    expect((await call('log', meterIndex)).errors).toEqual([])
  })

  it('after a reload, the strap is a remembered device and reconnects without the chooser', async () => {
    const strapId = (await call('log', 0)).readings[0]?.observations[0]?.device?.identifier?.value
    const before = await call('remembered')
    expect(before.getDevices).toBe(true)
    expect(before.ids).toContain(strapId)
    for (const i of [0, 1, 2]) await call('close', i)
    expect((await call('log', 0)).state).toEqual({ state: 'disconnected', reason: 'closed' })

    await page.reload()
    await page.waitForFunction(() => (window as unknown as { __bt?: unknown }).__bt !== undefined)
    await emulation.restore()
    choose = '' // the chooser must not be needed
    expect((await call('remembered')).ids).toEqual(expect.arrayContaining([strapId]))
    // Chromium connects a remembered device only once it is seen advertising: the strap advertises
    // every 200 ms, as a real one does, while the session starts (it waits for an advertisement)
    const advertising = setInterval(() => {
      emulation.advertise(STRAP.address, STRAP.name, 0x180d).catch((err: unknown) => emulation.failures.push(`advertise: ${String(err)}`))
    }, 200)
    let again: Awaited<ReturnType<BluetoothPageApi['resume']>>
    try {
      again = await call('resume', 'heart-rate', strapId ?? '')
      await expect.poll(async () => (await call('log', again.index)).state, { timeout: 15_000 }).toEqual({ state: 'connected' })
    } finally {
      clearInterval(advertising)
    }
    expect((await call('log', again.index)).states.map((s) => s.state)).toEqual(['connecting', 'connected'])
    expect((await call('log', again.index)).errors).toEqual([])
    await push(again.index, STRAP.address, 0x180d, 0x2a37, [0x00, 66])
    await expect.poll(() => bpm(again.index)).toEqual([66])
    await call('close', again.index)
  })

  it('no CDP answer failed and the page logged no errors', () => {
    expect(emulation.failures).toEqual([])
    expect(errors).toEqual([])
  })
})
