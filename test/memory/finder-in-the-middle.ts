import WebSocket from 'ws'
import type { SocketLike } from '../../src/openpeer/index.ts'

export type Frame = Record<string, unknown> & {
  type?: string
  kind?: string
  id?: string
  proof?: Record<string, unknown> & { context?: string }
}

export const isFind = (f: Frame): boolean => f.type === 'peer-location-find' && f.kind === 'request'
export const isReply = (f: Frame): boolean => f.type === 'peer-location-find' && f.kind === 'notify'

/**
 * What a malicious finder does to one frame it sends a client: pass it (return it), change it,
 * drop it (return []) or add to it (return several).
 */
export type Tamper = (frame: Frame) => Frame | Frame[] | Promise<Frame | Frame[]>

/**
 * A client's finder sockets as a lying finder would drive them: every frame the finder sends
 * goes through `tamper`, `inject` pushes a frame of the finder's choosing (a replay), and `sent`
 * and `received` keep what crossed, in order.
 */
export function finderInTheMiddle(tamper: Tamper = (f) => f) {
  const sent: Frame[] = []
  const received: Frame[] = []
  const open = new Set<SocketLike>()
  let chain = Promise.resolve()
  const deliver = (facade: SocketLike, frame: Frame) => {
    received.push(frame)
    facade.onmessage?.({ data: JSON.stringify(frame) })
  }
  const createSocket = (url: string): SocketLike => {
    const ws = new WebSocket(url)
    const facade: SocketLike = {
      get readyState() {
        return ws.readyState
      },
      send: (data) => {
        sent.push(JSON.parse(String(data)) as Frame)
        ws.send(data)
      },
      close: (code, reason) => ws.close(code, reason),
      onopen: null,
      onclose: null,
      onerror: null,
      onmessage: null,
    }
    ws.onopen = (e) => (open.add(facade), facade.onopen?.(e))
    ws.onclose = (e) => (open.delete(facade), facade.onclose?.(e))
    ws.onerror = (e) => facade.onerror?.(e)
    ws.onmessage = (e) => {
      // In order, as a real finder's frames would come.
      chain = chain.then(async () => {
        const out = await tamper(JSON.parse(String(e.data)) as Frame)
        for (const frame of Array.isArray(out) ? out : [out]) deliver(facade, frame)
      })
    }
    return facade
  }
  return {
    createSocket,
    sent,
    received,
    /** The finder pushes `frame` down every open socket of this client. */
    inject(frame: Frame): void {
      for (const facade of open) deliver(facade, frame)
    },
  }
}
