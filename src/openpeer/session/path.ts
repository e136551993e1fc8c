import type { PeerConnectionLike } from '../ports.ts'

/**
 * How the bytes travel: `direct` between the two devices (host, server-reflexive or
 * peer-reflexive candidates: through NATs, but no server in between), through a TURN `relay`,
 * or through the finder's relay `tunnel` (PROTOCOL §5.7).
 */
export type ConnectionPath = 'direct' | 'relay' | 'tunnel' | 'unknown'

/** One end of the selected candidate pair, as getStats reports it. */
export interface PairEnd {
  /** host · srflx · prflx · relay · tunnel */
  type: string | undefined
  address: string | undefined
  port: number | undefined
  /** how a relay candidate reaches its TURN server: udp · tcp · tls (browsers only) */
  relayProtocol: string | undefined
}

export interface SelectedPair {
  path: ConnectionPath
  local: PairEnd
  remote: PairEnd
}

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
  address?: string
  ip?: string
  port?: number
  relayProtocol?: string
}

function end(stat: StatLike | undefined): PairEnd {
  return {
    type: stat?.candidateType,
    address: stat?.address ?? stat?.ip,
    port: stat?.port,
    relayProtocol: stat?.relayProtocol,
  }
}

/**
 * The selected ICE candidate pair from getStats (the standard way, then the older Chromium and
 * node-datachannel ways), or undefined when there is none (yet).
 */
export async function selectedPair(pc: PeerConnectionLike): Promise<SelectedPair | undefined> {
  const report = new Map<string, StatLike>()
  try {
    const stats = await pc.getStats()
    stats.forEach((s) => report.set((s as StatLike).id, s as StatLike))
  } catch {
    return undefined
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
  if (!pair) return undefined
  const local = end(pair.localCandidateId ? report.get(pair.localCandidateId) : undefined)
  const remote = end(pair.remoteCandidateId ? report.get(pair.remoteCandidateId) : undefined)
  const types = [local.type, remote.type]
  const path: ConnectionPath = types.includes('tunnel')
    ? 'tunnel'
    : types.includes('relay')
      ? 'relay'
      : types.every((t) => t === undefined)
        ? 'unknown'
        : 'direct'
  return { path, local, remote }
}

/** The path of the selected candidate pair: `relay` when either end is a TURN relay. */
export async function pathOf(pc: PeerConnectionLike): Promise<ConnectionPath> {
  return (await selectedPair(pc))?.path ?? 'unknown'
}
