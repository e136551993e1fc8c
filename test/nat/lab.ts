/**
 * The NAT lab: Linux network namespaces wired as a small internet (docs/networking.md draws it).
 *
 *   h1 198.51.100.2 ─ r1 (NAT) 203.0.113.11 ─┐
 *   h2 192.0.2.2    ─ r2 (NAT) 203.0.113.12 ─┼─ pub 203.0.113.1 (finder + coturn) ─ sink
 *   h3 100.64.0.2   ─ r3 (NAT) 203.0.113.13 ─┘
 *
 * Two capabilities for reconnection tests, both undone by the call that reverses them:
 * - `cut(site, true)` drops everything router `site` would forward (an nft table of its own,
 *   `inet cut`, beside the policy's): the home is off the internet, its NAT mappings and the
 *   host's sockets untouched, as when a Wi-Fi access point loses its uplink. `cut(site, false)`
 *   deletes the table. `cut(site, true, { only })` drops only what goes between home `site` and
 *   home `only`: a broken path between two homes while both still reach everyone else.
 * - `switchNetwork(site)` moves the host onto its second network (`alt`: another veth from the
 *   same router, another subnet; the first link's address is removed), as a phone leaving Wi-Fi
 *   for mobile data: a new host address and a new NAT mapping. Calling it again moves it back.
 *   With `keepOld` both links stay up (a handover) until `dropOldNetwork(site)`.
 * - `limit(site, mbit)` shapes the home's downlink (tc tbf on the router's LAN side), so that a
 *   download lasts long enough to be cut in the middle; `limit(site, undefined)` removes it.
 *
 * pub routes between the routers, as the internet does, and sends everything else (the inner
 * ranges included) into a sink: the internet drops private addresses, and without a route
 * coturn's sends to them fail with "Network is unreachable" and it drops the allocation in use.
 * Every namespace is named `opnat-<pid>-…`; nft tables live inside the routers' namespaces, so
 * the root namespace's routing and firewall are never touched.
 */
import {
  execFile,
  execFileSync,
  spawn,
  type ChildProcess,
  type SpawnOptions,
} from 'node:child_process'
import { promisify } from 'node:util'

const run = promisify(execFile)

export const PREFIX = 'opnat'
/** the finder and coturn */
export const PUBLIC = '203.0.113.1'
export const SITES = {
  1: { wan: '203.0.113.11', lan: '198.51.100.1', host: '198.51.100.2', net: '198.51.100.0/24' },
  2: { wan: '203.0.113.12', lan: '192.0.2.1', host: '192.0.2.2', net: '192.0.2.0/24' },
  // Carrier-grade NAT's shared range: the three documentation ranges are taken.
  3: { wan: '203.0.113.13', lan: '100.64.0.1', host: '100.64.0.2', net: '100.64.0.0/24' },
} as const
/** each home's second network (`switchNetwork`): another subnet behind the same router */
export const ALT = {
  1: { lan: '10.0.1.1', host: '10.0.1.2' },
  2: { lan: '10.0.2.1', host: '10.0.2.2' },
  3: { lan: '10.0.3.1', host: '10.0.3.2' },
} as const
export type Site = keyof typeof SITES
/** coturn's port in pub (its own namespace: the default is never taken there) */
export const TURN_PORT = 3478

export interface RouterPolicy {
  /** eim: plain masquerade (Linux keeps the source port: endpoint-independent mapping);
   *  symmetric: masquerade with random ports (a new mapping per destination) */
  nat: 'eim' | 'symmetric'
  /** drop every forwarded UDP packet from the LAN */
  blockUdp?: boolean
  /** drop everything from the LAN except TCP to this address and port (for a tunnel scenario) */
  onlyTcpTo?: { address: string; port: number }
}

export interface Lab {
  /** namespace names */
  ns: { pub: string; r1: string; r2: string; r3: string; h1: string; h2: string; h3: string }
  /** the host namespace of a home */
  home(site: Site): string
  /** Replaces router `site`'s NAT and filter rules (and zeroes its counters). */
  setPolicy(site: Site, policy: RouterPolicy): Promise<void>
  /** Bytes between router `site`'s LAN and coturn's port (both ways, UDP and TCP) since setPolicy. */
  turnBytes(site: Site): Promise<number>
  /**
   * Cuts home `site` off the internet (`on`) or reconnects it: nothing is forwarded meanwhile.
   * With `only`, just the path between the two homes breaks (both routers' public addresses):
   * the rest of the internet, the other homes and the finder, stays reachable.
   */
  cut(site: Site, on: boolean, opts?: { only?: Site }): Promise<void>
  /** Limits what router `site` forwards into the home to `mbit` Mbit/s (undefined: no limit). */
  limit(site: Site, mbit: number | undefined): Promise<void>
  /**
   * Moves home `site`'s host to its other network (and back on the next call): the default
   * route goes there; the old link goes down with its address unless `keepOld` (then
   * `dropOldNetwork` takes it down later: a handover, both networks up for a while). Resolves
   * with the new host address.
   */
  switchNetwork(site: Site, opts?: { keepOld?: boolean }): Promise<string>
  /** Takes down the link `switchNetwork(site, { keepOld: true })` left up. */
  dropOldNetwork(site: Site): Promise<void>
  /** Spawns a command inside a namespace; the lab kills it on destroy if it still runs. */
  spawn(ns: string, cmd: string, args: string[], opts?: SpawnOptions): ChildProcess
  /** Kills what it spawned, then removes every namespace it made. Idempotent. */
  destroy(): Promise<void>
}

async function ip(...args: string[]): Promise<void> {
  await run('ip', args)
}

async function nft(ns: string, script: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('ip', ['netns', 'exec', ns, 'nft', '-f', '-'], { stdio: 'pipe' })
    let err = ''
    child.stderr.on('data', (c: Buffer) => (err += c.toString()))
    child.on('error', reject)
    child.on('exit', (code) => (code === 0 ? resolve('') : reject(new Error(`nft: ${err}`))))
    child.stdin.end(script)
  })
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}

async function namespaces(): Promise<string[]> {
  const { stdout } = await run('ip', ['netns', 'list'])
  return stdout
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter(Boolean)
}

/** Kills whatever still runs in a namespace (a killed run's finder or clients), then deletes it. */
async function removeNamespace(name: string): Promise<void> {
  try {
    const { stdout } = await run('ip', ['netns', 'pids', name])
    for (const pid of stdout.split('\n').map(Number).filter(Boolean)) {
      try {
        process.kill(pid, 'SIGKILL')
      } catch {
        // gone already
      }
    }
  } catch {
    // no such namespace any more
  }
  await run('ip', ['netns', 'del', name]).catch(() => {})
}

/** Removes namespaces left by lab runs whose process is gone (a run killed before its cleanup). */
export async function removeLeftovers(): Promise<string[]> {
  const left = (await namespaces()).filter((n) => {
    const m = new RegExp(`^${PREFIX}-(\\d+)-`).exec(n)
    return m && Number(m[1]) !== process.pid && !pidAlive(Number(m[1]))
  })
  for (const n of left) await removeNamespace(n)
  return left
}

/** Why the lab cannot run here (one line), or undefined when it can. */
export async function labUnsupported(): Promise<string | undefined> {
  if (process.platform !== 'linux') return 'network namespaces need Linux'
  if (process.getuid?.() !== 0) return 'making network namespaces needs root'
  const probe = `${PREFIX}-${process.pid}-probe`
  try {
    await ip('netns', 'add', probe)
    await nft(probe, 'add table ip probe\n')
    return undefined
  } catch (e) {
    const msg = (e as { stderr?: string; message: string }).stderr || (e as Error).message
    return `cannot make a namespace with nftables (${msg.trim().split('\n')[0]})`
  } finally {
    await removeNamespace(probe)
  }
}

function policyScript(policy: RouterPolicy): string {
  const filter: string[] = []
  if (policy.onlyTcpTo) {
    const { address, port } = policy.onlyTcpTo
    filter.push(
      `iifname { "lan", "lan2" } ip daddr ${address} tcp dport ${port} accept`,
      'iifname { "lan", "lan2" } drop',
    )
  }
  if (policy.blockUdp) filter.push('iifname { "lan", "lan2" } meta l4proto udp drop')
  return `add table ip lab
delete table ip lab
table ip lab {
  counter turn {}
  chain forward {
    type filter hook forward priority filter; policy accept;
    ${filter.join('\n    ')}
    ip daddr ${PUBLIC} th dport ${TURN_PORT} counter name "turn"
    ip saddr ${PUBLIC} th sport ${TURN_PORT} counter name "turn"
  }
  chain input {
    # Unsolicited packets die before conntrack confirms them, as at a home router: a confirmed
    # entry would hold the public port, and the next outgoing flow would be given another one.
    type filter hook input priority filter; policy accept;
    iifname "wan" ct state new drop
  }
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "wan" masquerade${policy.nat === 'symmetric' ? ' random' : ''}
  }
}
`
}

/** Builds the topology; removes what it made if any step fails. */
export async function createLab(): Promise<Lab> {
  await removeLeftovers()
  const base = `${PREFIX}-${process.pid}-${Math.random().toString(36).slice(2, 6)}`
  const ns = {
    pub: `${base}-pub`,
    r1: `${base}-r1`,
    r2: `${base}-r2`,
    r3: `${base}-r3`,
    h1: `${base}-h1`,
    h2: `${base}-h2`,
    h3: `${base}-h3`,
  }
  const router = (site: Site): string => ns[`r${site}`]
  const home = (site: Site): string => ns[`h${site}`]
  /** which network each host is on now (switchNetwork) */
  const onAlt = new Set<Site>()
  /** the link a host switched away from and still holds (switchNetwork with keepOld) */
  const left = new Map<Site, string>()
  const children = new Set<ChildProcess>()
  let destroying: Promise<void> | undefined
  // A test process that exits without its afterAll (a crash) still takes the lab with it.
  const onExit = (): void => {
    for (const child of children) child.kill('SIGKILL')
    for (const name of Object.values(ns)) {
      try {
        const pids = execFileSync('ip', ['netns', 'pids', name], { encoding: 'utf8' })
        for (const pid of pids.split('\n').map(Number).filter(Boolean)) process.kill(pid, 'SIGKILL')
        execFileSync('ip', ['netns', 'del', name], { stdio: 'ignore' })
      } catch {
        // not there (any more)
      }
    }
  }
  process.once('exit', onExit)
  const destroy = (): Promise<void> =>
    (destroying ??= (async () => {
      process.off('exit', onExit)
      for (const child of children) {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
      }
      for (const name of Object.values(ns)) await removeNamespace(name)
    })())

  try {
    for (const name of Object.values(ns)) {
      await ip('netns', 'add', name)
      await ip('-n', name, 'link', 'set', 'lo', 'up')
    }
    const sysctl = (name: string) =>
      run('ip', ['netns', 'exec', name, 'sysctl', '-qw', 'net.ipv4.ip_forward=1'])
    await sysctl(ns.pub)
    // The sink: a veth whose far end answers nothing, behind a neighbour that never resolves.
    await ip(
      'link',
      'add',
      'sink',
      'netns',
      ns.pub,
      'type',
      'veth',
      'peer',
      'name',
      'sink-end',
      'netns',
      ns.pub,
    )
    await ip('-n', ns.pub, 'link', 'set', 'sink', 'up')
    await ip('-n', ns.pub, 'link', 'set', 'sink-end', 'up')
    await ip(
      '-n',
      ns.pub,
      'neigh',
      'add',
      '10.255.255.254',
      'lladdr',
      '02:00:00:00:00:01',
      'dev',
      'sink',
      'nud',
      'permanent',
    )
    await ip(
      '-n',
      ns.pub,
      'route',
      'add',
      'default',
      'via',
      '10.255.255.254',
      'dev',
      'sink',
      'onlink',
    )
    for (const site of [1, 2, 3] as const) {
      const s = SITES[site]
      const r = router(site)
      const h = home(site)
      await ip(
        'link',
        'add',
        'wan',
        'netns',
        r,
        'type',
        'veth',
        'peer',
        'name',
        `to-r${site}`,
        'netns',
        ns.pub,
      )
      await ip('-n', ns.pub, 'addr', 'add', PUBLIC, 'peer', s.wan, 'dev', `to-r${site}`)
      await ip('-n', ns.pub, 'link', 'set', `to-r${site}`, 'up')
      await ip('-n', r, 'addr', 'add', s.wan, 'peer', PUBLIC, 'dev', 'wan')
      await ip('-n', r, 'link', 'set', 'wan', 'up')
      await ip('-n', r, 'route', 'add', 'default', 'via', PUBLIC)
      await sysctl(r)
      await ip('link', 'add', 'lan', 'netns', r, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', h)
      await ip('-n', r, 'addr', 'add', `${s.lan}/24`, 'dev', 'lan')
      await ip('-n', r, 'link', 'set', 'lan', 'up')
      await ip('-n', h, 'addr', 'add', `${s.host}/24`, 'dev', 'eth0')
      await ip('-n', h, 'link', 'set', 'eth0', 'up')
      await ip('-n', h, 'route', 'add', 'default', 'via', s.lan)
      await nft(r, policyScript({ nat: 'eim' }))
    }
  } catch (e) {
    await destroy()
    throw e
  }

  async function dropOldNetwork(site: Site): Promise<void> {
    const dev = left.get(site)
    if (!dev) return
    left.delete(site)
    // The old link goes down with its address, as Wi-Fi does when the phone walks away.
    await ip('-n', home(site), 'addr', 'flush', 'dev', dev)
    await ip('-n', home(site), 'link', 'set', dev, 'down')
  }

  return {
    ns,
    home,
    async setPolicy(site, policy) {
      await nft(router(site), policyScript(policy))
    },
    async cut(site, on, opts = {}) {
      // Before every other hook (raw is -300): nothing the router forwards gets through, either
      // way, whatever the policy; the conntrack entries (the NAT mappings) stay as they were.
      const only = opts.only ? SITES[opts.only].wan : undefined
      const rules = only
        ? `type filter hook forward priority -400; policy accept;
    ip saddr ${only} drop
    ip daddr ${only} drop`
        : 'type filter hook forward priority -400; policy drop;'
      await nft(
        router(site),
        on
          ? `add table inet cut
delete table inet cut
table inet cut {
  chain forward {
    ${rules}
  }
}
`
          : 'add table inet cut\ndelete table inet cut\n',
      )
    },
    async limit(site, mbit) {
      const dev = ['dev', 'lan', 'root']
      if (mbit === undefined) {
        await run('ip', ['netns', 'exec', router(site), 'tc', 'qdisc', 'del', ...dev]).catch(
          () => {}, // no limit was set
        )
        return
      }
      await run('ip', [
        ...['netns', 'exec', router(site), 'tc', 'qdisc', 'replace', ...dev],
        ...['tbf', 'rate', `${mbit}mbit`, 'burst', '32kb', 'latency', '100ms'],
      ])
    },
    async switchNetwork(site, opts = {}) {
      const r = router(site)
      const h = home(site)
      const alt = ALT[site]
      const s = SITES[site]
      if (!(await run('ip', ['-n', h, 'link', 'show', 'eth1']).catch(() => false))) {
        // The second link is made on first use: the router's side stays up from then on.
        await ip(
          'link',
          'add',
          'lan2',
          'netns',
          r,
          'type',
          'veth',
          'peer',
          'name',
          'eth1',
          'netns',
          h,
        )
        await ip('-n', r, 'addr', 'add', `${alt.lan}/24`, 'dev', 'lan2')
        await ip('-n', r, 'link', 'set', 'lan2', 'up')
      }
      const [from, to] = onAlt.has(site)
        ? [{ dev: 'eth1' }, { dev: 'eth0', host: s.host, gw: s.lan }]
        : [{ dev: 'eth0' }, { dev: 'eth1', host: alt.host, gw: alt.lan }]
      await ip('-n', h, 'addr', 'replace', `${to.host}/24`, 'dev', to.dev)
      await ip('-n', h, 'link', 'set', to.dev, 'up')
      await ip('-n', h, 'route', 'replace', 'default', 'via', to.gw)
      if (onAlt.has(site)) onAlt.delete(site)
      else onAlt.add(site)
      left.set(site, from.dev)
      if (!opts.keepOld) await dropOldNetwork(site)
      return to.host
    },
    dropOldNetwork,
    async turnBytes(site) {
      const { stdout } = await run('ip', [
        ...['netns', 'exec', router(site)],
        ...['nft', '-j', 'list', 'counter', 'ip', 'lab', 'turn'],
      ])
      const json = JSON.parse(stdout) as { nftables: { counter?: { bytes: number } }[] }
      return json.nftables.find((e) => e.counter)?.counter?.bytes ?? 0
    },
    spawn(name, cmd, args, opts = {}) {
      const child = spawn('ip', ['netns', 'exec', name, cmd, ...args], opts)
      children.add(child)
      child.once('exit', () => children.delete(child))
      return child
    },
    destroy,
  }
}
