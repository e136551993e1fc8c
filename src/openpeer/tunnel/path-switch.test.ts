import { afterEach, describe, expect, it } from 'vitest'
import type { SocketLike } from '../ports.ts'
import { createMemoryNetwork } from '../testing/index.ts'
import { PathSwitch } from './path-switch.ts'

/** A relay socket that never opens: the test only looks at where each side connects. */
function socketTo(url: string, log: string[]): SocketLike {
  log.push(url)
  return {
    readyState: 0,
    send() {},
    close() {},
    onopen: null,
    onclose: null,
    onerror: null,
    onmessage: null,
  }
}

const N1 = 'ws://n1.test/relay'
const N2 = 'ws://n2.test/relay'
const token = (c: string) => c.repeat(22)
const open: PathSwitch[] = []
afterEach(() => {
  for (const p of open.splice(0)) p.destroy()
})

/**
 * An initiator whose finder socket is on node 2 and a target on node 1 of the same cluster, with
 * no ICE path: where does each side's relay socket go?
 */
async function fallBack(
  targetRelays: readonly string[],
): Promise<{ initiator: string[]; target: string[] }> {
  const network = createMemoryNetwork()
  network.blocked = true
  const sockets = { initiator: [] as string[], target: [] as string[] }
  const common = {
    createPeer: (o: Parameters<typeof network.createPeer>[0]) => network.createPeer(o),
    context: 'ctx',
    iceTimeout: 10,
    upgradeEvery: 60_000,
  }
  const peer = (initiator: boolean) => ({ initiator, trickle: true, config: { iceServers: [] } })
  const initiator = new PathSwitch({
    ...common,
    peer: peer(false),
    role: 'initiator',
    createSocket: (url) => socketTo(url, sockets.initiator),
    relay: {
      url: N2,
      urls: [N1, N2],
      open: async () => ({ token: token('a'), peerToken: token('b') }),
    },
  })
  const target = new PathSwitch({
    ...common,
    peer: peer(true),
    role: 'target',
    createSocket: (url) => socketTo(url, sockets.target),
    relay: { url: N1, urls: targetRelays, open: async () => ({ token: 'x', peerToken: 'y' }) },
  })
  open.push(initiator, target)
  initiator.on('signal', (s) => target.signal(s))
  target.on('signal', (s) => initiator.signal(s))
  for (let i = 0; i < 100 && !(sockets.initiator.length && sockets.target.length); i++) {
    await new Promise((r) => setTimeout(r, 10))
  }
  return sockets
}

describe('PathSwitch relay choice in a finder cluster', () => {
  it("has the target join the initiator's relay on another node of its own domain", async () => {
    expect(await fallBack([N1, N2])).toEqual({ initiator: [N2], target: [N2] })
  })

  it('never lets an initiator send the target to a relay outside its domain', async () => {
    expect(await fallBack([N1])).toEqual({ initiator: [N2], target: [N1] })
  })
})
