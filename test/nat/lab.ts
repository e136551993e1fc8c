/**
 * The NAT lab: Linux network namespaces wired as a small internet (docs/networking.md draws it).
 *
 *   h1 198.51.100.2 ─ r1 (NAT) 203.0.113.11 ─┐
 *                                             pub 203.0.113.1 (finder + coturn) ─ sink
 *   h2 192.0.2.2    ─ r2 (NAT) 203.0.113.12 ─┘
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
  ns: { pub: string; r1: string; r2: string; h1: string; h2: string }
  /** Replaces router `site`'s NAT and filter rules (and zeroes its counters). */
  setPolicy(site: Site, policy: RouterPolicy): Promise<void>
  /** Bytes between router `site`'s LAN and coturn's port (both ways, UDP and TCP) since setPolicy. */
  turnBytes(site: Site): Promise<number>
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
    filter.push(`iifname "lan" ip daddr ${address} tcp dport ${port} accept`, 'iifname "lan" drop')
  }
  if (policy.blockUdp) filter.push('iifname "lan" meta l4proto udp drop')
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
    h1: `${base}-h1`,
    h2: `${base}-h2`,
  }
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
    for (const site of [1, 2] as const) {
      const s = SITES[site]
      const r = site === 1 ? ns.r1 : ns.r2
      const h = site === 1 ? ns.h1 : ns.h2
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

  return {
    ns,
    async setPolicy(site, policy) {
      await nft(site === 1 ? ns.r1 : ns.r2, policyScript(policy))
    },
    async turnBytes(site) {
      const { stdout } = await run('ip', [
        ...['netns', 'exec', site === 1 ? ns.r1 : ns.r2],
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
