import type { ClientEvents, OpenPeerClient } from '../src/openpeer/index.ts'

/**
 * Resolves with the first event of `type` that satisfies `pred`, or rejects after `ms`. A client
 * already online satisfies a wait for `finder:state` online at once (the event came before).
 */
export function until<K extends keyof ClientEvents>(
  client: OpenPeerClient,
  type: K,
  pred: (e: ClientEvents[K]) => boolean = () => true,
  ms = 30_000,
): Promise<ClientEvents[K]> {
  if (type === 'finder:state' && client.finderState() === 'online') {
    const now = { domain: '', state: 'online' } as ClientEvents[K]
    if (pred(now)) return Promise.resolve(now)
  }
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off()
      reject(new Error(`timed out waiting for ${String(type)}`))
    }, ms)
    const off = client.on(type, (e) => {
      if (!pred(e)) return
      clearTimeout(timer)
      off()
      resolve(e)
    })
  })
}
