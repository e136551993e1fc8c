import type { PeerConnectionLike } from '../ports.ts'

/**
 * How the bytes travel: straight, through a NAT's public mapping, through a TURN relay, or
 * through the finder's relay tunnel (PROTOCOL §5.7).
 */
export type ConnectionPath = 'direct' | 'server-reflexive' | 'relay' | 'tunnel' | 'unknown'

interface StatLike {
  type: string
  id: string
  state?: string
  nominated?: boolean
  selected?: boolean
  selectedCandidatePairId?: string
  localCandidateId?: string
  remoteCandidateId?: string
  candidateType?: string
}

/** Reads the selected ICE candidate pair from getStats (the standard and the older Chromium way). */
export async function pathOf(pc: PeerConnectionLike): Promise<ConnectionPath> {
  let report: Map<string, StatLike>
  try {
    const stats = await pc.getStats()
    report = new Map()
    stats.forEach((s: StatLike) => report.set(s.id, s))
  } catch {
    return 'unknown'
  }
  let pair: StatLike | undefined
  for (const s of report.values()) {
    if (s.type === 'transport' && s.selectedCandidatePairId)
      pair = report.get(s.selectedCandidatePairId)
  }
  if (!pair) {
    for (const s of report.values()) {
      if (s.type === 'candidate-pair' && (s.selected || (s.nominated && s.state === 'succeeded')))
        pair = s
    }
  }
  if (!pair) return 'unknown'
  const types = [pair.localCandidateId, pair.remoteCandidateId].map((id) =>
    id ? report.get(id)?.candidateType : undefined,
  )
  if (types.includes('tunnel')) return 'tunnel'
  if (types.includes('relay')) return 'relay'
  if (types.includes('srflx')) return 'server-reflexive'
  if (types.every((t) => t === undefined)) return 'unknown'
  return 'direct'
}
