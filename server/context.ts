import { encode, type ReplayGuard, type WireMessage } from '../src/openpeer/wire/index.ts'
import type { Limits, TokenBucket } from './limits.ts'
import type { VerifyGate } from './verify-gate.ts'
import type { RelayHub } from './relay.ts'
import type { Registration, Registry } from './registry.ts'
import type { TurnIssuer } from './turn-credentials.ts'

/** What a protocol handler sees of one finder socket. */
export interface Connection {
  /** random per-socket id; the registry names sockets by it */
  readonly session: string
  /** the domain this socket's finder answers for: session proofs must name it */
  readonly domain: string
  readonly closed: boolean
  /** Sends a message built here; false when the socket is gone. */
  send(message: WireMessage): boolean
  /** Sends an already encoded frame (a fork sends one encoding to many sockets). */
  sendText(text: string): boolean
  /**
   * registered, and never caught with a bad signature: its signature checks go first and spend
   * no address budget (verify-gate.ts)
   */
  trusted: boolean
  /** sent a proof whose signature failed: its checks wait behind everyone's (verify-gate.ts) */
  suspect: boolean
  /** the signature checks its address may still ask for while untrusted */
  readonly verifyBudget: TokenBucket
  /**
   * It sent something no honest client sends (a frame that does not decode, a forged
   * signature); enough of them close it and keep its address out a while (limits.strikes).
   */
  strike(): void
}

/** Shared state of one finder server, handed to every handler. */
export interface FinderContext {
  registry: Registry
  /** the registry's replay cache (shared by the cluster with Redis) */
  replay: ReplayGuard
  limits: Limits
  /** bounds signature verification, per address and in all (verify-gate.ts) */
  verifier: VerifyGate
  /** the relay tunnels this server pairs and forwards */
  relays: RelayHub
  /** session id → live socket on this server */
  sockets: Map<string, Connection>
  log: (line: string) => void
  /** hands TURN credentials to registered sockets; absent when the finder has no TURN server */
  turn?: TurnIssuer | undefined
}

/** The live socket behind a registration, if it is connected to this node. */
export function socketOf(ctx: FinderContext, reg: { session: string }): Connection | undefined {
  const conn = ctx.sockets.get(reg.session)
  return conn && !conn.closed ? conn : undefined
}

/**
 * Registrations whose socket may still be there: every one of another node (only that node
 * knows; a dead node's entries make `deliver` answer false until their TTL ends), and this node's
 * whose socket is still open (a stale entry must never swallow a fork).
 */
export function reachable(ctx: FinderContext, regs: Registration[]): Registration[] {
  return regs.filter((reg) => reg.node !== ctx.registry.node || socketOf(ctx, reg) !== undefined)
}

/**
 * Sends a message built here to a socket on this node, or through the registry (Redis pub/sub)
 * to the node holding it. False when the socket or its node is gone.
 */
export async function deliver(
  ctx: FinderContext,
  to: { session: string; node: string },
  message: WireMessage | string,
): Promise<boolean> {
  if (to.node === ctx.registry.node) {
    const conn = socketOf(ctx, to)
    if (!conn) return false
    return typeof message === 'string' ? conn.sendText(message) : conn.send(message)
  }
  let text: string
  try {
    text = typeof message === 'string' ? message : encode(message, 'finder')
  } catch (e) {
    ctx.log(
      `finder: cannot encode ${typeof message === 'string' ? 'frame' : message.type}: ${String(e)}`,
    )
    return false
  }
  return ctx.registry.forward(to.node, to.session, text)
}
