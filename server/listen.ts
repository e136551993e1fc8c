import type { Server } from 'node:net'

function listenOnce(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
}

// Hosts without IPv6 refuse '::' with one of these; anything else (EADDRINUSE…) is real.
const NO_IPV6 = new Set(['EAFNOSUPPORT', 'EADDRNOTAVAIL', 'EINVAL'])

/**
 * Listens on `host`, or on every interface when none is given: '::' is dual-stack, so both
 * http://localhost and http://127.0.0.1 reach it; '0.0.0.0' where the host has no IPv6.
 */
export async function listen(server: Server, port: number, host?: string): Promise<void> {
  if (host !== undefined) return listenOnce(server, port, host)
  try {
    await listenOnce(server, port, '::')
  } catch (e) {
    if (!NO_IPV6.has((e as NodeJS.ErrnoException).code ?? '')) throw e
    await listenOnce(server, port, '0.0.0.0')
  }
}
