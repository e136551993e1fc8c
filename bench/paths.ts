/**
 * bench:paths — connect time and file throughput per network path, in the NAT lab
 * (test/nat/lab.ts: network namespaces, root only): `direct` (endpoint-independent NAT at both
 * homes: server-reflexive candidates), `turn` (symmetric NAT at both homes: through coturn) and
 * `tunnel` (home 1 lets only the finder's TCP port out: the finder's relay tunnel; the session
 * waits 3 s for ICE before it falls back, the default is 10 s, and that wait is in the figure).
 * Node clients (node-datachannel) at both homes; each figure is a median over the rounds and a
 * ratio to direct measured in the same run. BENCH_RUNS (3) rounds of BENCH_MIB (32) MiB.
 */
import { pathToFileURL } from 'node:url'
import { FINDER_PORT, startFinderIn } from '../test/nat/finder.ts'
import { createLab, labUnsupported, PUBLIC, type RouterPolicy } from '../test/nat/lab.ts'
import { LabPeer } from '../test/nat/peers.ts'
import { stats } from './browser.ts'

const RUNS = Number(process.env.BENCH_RUNS ?? 3)
const MIB = Number(process.env.BENCH_MIB ?? 32)

const TUNNEL_ONLY: RouterPolicy = { nat: 'eim', onlyTcpTo: { address: PUBLIC, port: FINDER_PORT } }

const PATHS: { name: string; expect: string; policies: [RouterPolicy, RouterPolicy] }[] = [
  { name: 'direct', expect: 'direct', policies: [{ nat: 'eim' }, { nat: 'eim' }] },
  { name: 'turn', expect: 'relay', policies: [{ nat: 'symmetric' }, { nat: 'symmetric' }] },
  { name: 'tunnel', expect: 'tunnel', policies: [TUNNEL_ONLY, { nat: 'eim' }] },
]

interface Sample {
  connectMs: number
  mibPerS: number
}

export async function benchPaths(): Promise<number> {
  const why = await labUnsupported()
  if (why) {
    console.log(`bench:paths skipped: ${why}`)
    return 0
  }
  const lab = await createLab()
  const peers: LabPeer[] = []
  try {
    const finder = await startFinderIn(lab)
    const [alice, bob] = await Promise.all([
      LabPeer.start(lab, lab.ns.h1, 'Alice'),
      LabPeer.start(lab, lab.ns.h2, 'Bob'),
    ])
    peers.push(alice, bob)
    const at = {
      domain: finder.domain,
      origin: finder.origin,
      timings: { iceTimeout: 3_000 },
    }

    async function round(path: (typeof PATHS)[number]): Promise<Sample> {
      await lab.setPolicy(1, path.policies[0])
      await lab.setPolicy(2, path.policies[1])
      await Promise.all([alice.init(at), bob.init(at)])
      const { ms: connectMs } = await bob.call('accept', { link: await alice.call('invite') })
      const shared = await alice.call('share', { to: bob.contactId, size: MIB * 1024 * 1024 })
      const got = await bob.call('download', { infoHash: shared.infoHash })
      const { contactPath } = await bob.call('pair')
      if (got.sha256 !== shared.sha256) throw new Error(`${path.name}: the file arrived changed`)
      if (contactPath !== path.expect)
        throw new Error(`${path.name}: the path was ${contactPath}, not ${path.expect}`)
      return { connectMs, mibPerS: MIB / (got.ms / 1000) }
    }

    // A first round warms both processes up (webtorrent loads, code gets compiled): not counted.
    await round(PATHS[0]!)
    const samples = new Map<string, Sample[]>(PATHS.map((p) => [p.name, []]))
    for (let i = 0; i < RUNS; i++) {
      for (const path of PATHS) samples.get(path.name)!.push(await round(path))
    }
    await finder.stop()

    const median = (name: string, key: keyof Sample) =>
      stats(samples.get(name)!.map((s) => s[key])).median
    const base = { connect: median('direct', 'connectMs'), speed: median('direct', 'mibPerS') }
    console.log(`\nbench:paths — ${RUNS} rounds of ${MIB} MiB per path, medians (ratio to direct)`)
    console.log('path    connect (invite → connected)   throughput')
    for (const { name } of PATHS) {
      const connect = median(name, 'connectMs')
      const speed = median(name, 'mibPerS')
      console.log(
        `${name.padEnd(7)} ${connect.toFixed(0).padStart(6)} ms (${(connect / base.connect).toFixed(2)}×)` +
          `          ${speed.toFixed(1).padStart(5)} MiB/s (${(speed / base.speed).toFixed(2)}×)`,
      )
    }
    return 0
  } finally {
    await Promise.all(peers.map((p) => p.stop()))
    await lab.destroy()
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await benchPaths()
}
