import { createServer, connect, type AddressInfo, type Socket } from 'node:net'

/**
 * A TCP proxy on 127.0.0.1 that holds every chunk `oneWayMs` in each direction, in order: a
 * server that is a real network away (a finder across the internet) while the two browsers
 * still reach each other directly, as two people in one room do. It moves bytes only, so HTTP,
 * WebSocket and PeerServer's protocol all pass unchanged.
 */
export async function startDelayProxy(
  target: number,
  oneWayMs: number,
): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>()
  const server = createServer((client) => {
    const upstream = connect(target, '127.0.0.1')
    for (const s of [client, upstream]) {
      s.setNoDelay(true)
      sockets.add(s)
      s.on('close', () => sockets.delete(s))
      s.on('error', () => undefined) // the other end's close follows
    }
    delayed(client, upstream, oneWayMs)
    delayed(upstream, client, oneWayMs)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      }),
  }
}

/** Pipes `from` into `to`, each chunk `ms` later than it came and never before the one ahead. */
function delayed(from: Socket, to: Socket, ms: number): void {
  let last = 0
  from.on('data', (chunk) => {
    const at = Math.max(Date.now() + ms, last)
    last = at
    setTimeout(() => to.writable && to.write(chunk), at - Date.now())
  })
  from.on('end', () => {
    const at = Math.max(Date.now() + ms, last)
    setTimeout(() => to.end(), at - Date.now())
  })
  from.on('close', () => setTimeout(() => to.destroy(), Math.max(0, last - Date.now()) + 1))
}
