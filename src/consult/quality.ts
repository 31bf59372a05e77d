/**
 * The connection-quality indicator of a call, from two `RTCPeerConnection.getStats()`
 * readings (W3C webrtc-stats: `inbound-rtp` packetsReceived/packetsLost/framesDecoded,
 * the selected `candidate-pair`'s currentRoundTripTime). Pure, so that the thresholds are
 * tested without a browser.
 */

/** What one `getStats()` reading says, reduced to what the indicator uses. */
export interface StatsSample {
  /** Packets received and lost, over all inbound RTP streams (cumulative). */
  readonly packetsReceived: number
  readonly packetsLost: number
  /** Video frames decoded (cumulative); 0 when no video comes in. */
  readonly framesDecoded: number
  /** Round-trip time of the selected candidate pair, seconds. */
  readonly roundTripTime?: number
}

/** The indicator's levels. */
export const QualityLevel = {
  /** Nothing measured yet. */
  unknown: 'unknown',
  good: 'good',
  /** Noticeable: some loss or delay. */
  fair: 'fair',
  /** Choppy: heavy loss or long delay. */
  poor: 'poor'
} as const
/** One of the levels. */
export type QualityLevel = (typeof QualityLevel)[keyof typeof QualityLevel]

/** The indicator. */
export interface CallQuality {
  readonly level: QualityLevel
  /** Loss over the last interval, percent. */
  readonly lossPercent?: number
  readonly rttMs?: number
  readonly framesDecoded: number
}

/**
 * Reads the parts of a stats report the indicator needs.
 * @example statsSample(await pc.getStats())
 */
export function statsSample(report: Iterable<[string, unknown]> | { forEach(cb: (value: unknown) => void): void }): StatsSample {
  let packetsReceived = 0
  let packetsLost = 0
  let framesDecoded = 0
  let roundTripTime: number | undefined
  let selectedPair: string | undefined
  const pairs = new Map<string, { rtt?: number; nominated: boolean; state?: string }>()
  const each = (fn: (s: Record<string, unknown>) => void): void => {
    if ('forEach' in report) report.forEach((v) => fn(v as Record<string, unknown>))
    else for (const [, v] of report) fn(v as Record<string, unknown>)
  }
  const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0)
  each((s) => {
    if (s['type'] === 'inbound-rtp') {
      packetsReceived += num(s['packetsReceived'])
      packetsLost += Math.max(0, num(s['packetsLost']))
      if (s['kind'] === 'video') framesDecoded += num(s['framesDecoded'])
    } else if (s['type'] === 'transport' && typeof s['selectedCandidatePairId'] === 'string') {
      selectedPair = s['selectedCandidatePairId']
    } else if (s['type'] === 'candidate-pair' && typeof s['id'] === 'string') {
      pairs.set(s['id'], { ...(typeof s['currentRoundTripTime'] === 'number' ? { rtt: s['currentRoundTripTime'] } : {}), nominated: s['nominated'] === true, ...(typeof s['state'] === 'string' ? { state: s['state'] } : {}) })
    }
  })
  const pair = (selectedPair === undefined ? undefined : pairs.get(selectedPair)) ?? [...pairs.values()].find((p) => p.nominated && p.state === 'succeeded')
  if (pair?.rtt !== undefined) roundTripTime = pair.rtt
  return { packetsReceived, packetsLost, framesDecoded, ...(roundTripTime === undefined ? {} : { roundTripTime }) }
}

/** Loss above this share of packets is poor; above `FAIR_LOSS`, fair (our thresholds: video stutters visibly past a few percent loss). */
export const POOR_LOSS = 0.1
export const FAIR_LOSS = 0.03
/** Round trips above these (ms) are poor / fair (ITU-T G.114: one-way delay past 150 ms is noticed, past 400 ms unacceptable). */
export const POOR_RTT_MS = 800
export const FAIR_RTT_MS = 300

/**
 * The indicator for the interval between `before` and `now` (counters are cumulative).
 * @example callQuality(previous, statsSample(await pc.getStats()))
 */
export function callQuality(before: StatsSample | undefined, now: StatsSample): CallQuality {
  const received = now.packetsReceived - (before?.packetsReceived ?? 0)
  const lost = now.packetsLost - (before?.packetsLost ?? 0)
  const total = received + Math.max(0, lost)
  const rttMs = now.roundTripTime === undefined ? undefined : Math.round(now.roundTripTime * 1000)
  if (total <= 0 && rttMs === undefined) return { level: QualityLevel.unknown, framesDecoded: now.framesDecoded }
  const loss = total <= 0 ? 0 : Math.max(0, lost) / total
  const level = loss > POOR_LOSS || (rttMs ?? 0) > POOR_RTT_MS ? QualityLevel.poor : loss > FAIR_LOSS || (rttMs ?? 0) > FAIR_RTT_MS ? QualityLevel.fair : QualityLevel.good
  return { level, lossPercent: Math.round(loss * 1000) / 10, ...(rttMs === undefined ? {} : { rttMs }), framesDecoded: now.framesDecoded }
}
