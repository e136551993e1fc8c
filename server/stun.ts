import { randomBytes } from 'node:crypto'
import { createSocket } from 'node:dgram'
import { isIPv6 } from 'node:net'

const MAGIC = 0x2112a442
const BINDING_REQUEST = 0x0001
const BINDING_SUCCESS = 0x0101
const XOR_MAPPED_ADDRESS = 0x0020

/** The address a STUN server saw us at, read from its XOR-MAPPED-ADDRESS (IPv4 only). */
function mappedAddress(msg: Buffer): { address: string; port: number } | undefined {
  let at = 20
  while (at + 4 <= msg.length) {
    const type = msg.readUInt16BE(at)
    const length = msg.readUInt16BE(at + 2)
    if (type === XOR_MAPPED_ADDRESS && length >= 8 && msg[at + 5] === 0x01) {
      const port = msg.readUInt16BE(at + 6) ^ (MAGIC >>> 16)
      const raw = (msg.readUInt32BE(at + 8) ^ MAGIC) >>> 0
      return { address: [24, 16, 8, 0].map((s) => (raw >>> s) & 0xff).join('.'), port }
    }
    at += 4 + Math.ceil(length / 4) * 4
  }
  return undefined
}

/**
 * Sends STUN Binding requests (RFC 5389) over UDP until one is answered: proves a STUN/TURN
 * server is up, and says where it saw us (the server-reflexive address, for IPv4).
 */
export function stunBinding(
  host: string,
  port: number,
  opts: { signal?: AbortSignal; every?: number } = {},
): Promise<{ address?: string; port?: number }> {
  const signal = opts.signal ?? AbortSignal.timeout(5_000)
  const socket = createSocket(isIPv6(host) ? 'udp6' : 'udp4')
  const txid = randomBytes(12)
  const request = Buffer.alloc(20)
  request.writeUInt16BE(BINDING_REQUEST, 0)
  request.writeUInt16BE(0, 2)
  request.writeUInt32BE(MAGIC, 4)
  txid.copy(request, 8)
  return new Promise((resolve, reject) => {
    const send = (): void => socket.send(request, port, host, () => {})
    const timer = setInterval(send, opts.every ?? 100)
    const done = (fn: () => void): void => {
      clearInterval(timer)
      signal.removeEventListener('abort', onAbort)
      socket.close()
      fn()
    }
    const onAbort = (): void =>
      done(() => reject(new Error(`no STUN answer from ${host}:${port}`, { cause: signal.reason })))
    if (signal.aborted) return onAbort()
    signal.addEventListener('abort', onAbort, { once: true })
    // Refused sends (nothing listening yet) are retried by the timer.
    socket.on('error', () => {})
    socket.on('message', (msg) => {
      if (msg.length < 20 || msg.readUInt16BE(0) !== BINDING_SUCCESS) return
      if (!msg.subarray(8, 20).equals(txid)) return
      done(() => resolve(mappedAddress(msg) ?? {}))
    })
    send()
  })
}
