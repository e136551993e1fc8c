import { hostname as osHostname } from 'node:os'
import {
  DEFAULT_TURN_PORT,
  DEFAULT_TURN_TLS_PORT,
  LOOPBACK,
  WILDCARD,
  onPath,
  startCoturn,
} from './turn.ts'
import { hostnameOf, type TurnService } from './turn-credentials.ts'

/**
 * An external TURN server: TURN_URLS (comma-separated turn:/turns:/stun: URLs) and its
 * TURN_SECRET. STUN goes to everyone: listed stun: URLs, else the plain turn: hosts.
 */
export function externalTurn(urls: string, secret: string): TurnService {
  const list = urls
    .split(',')
    .map((u) => u.trim())
    .filter(Boolean)
  const bad = list.find((u) => !/^(stun|turns?):[^\s]+$/.test(u))
  if (bad) throw new Error(`TURN_URLS: "${bad}" is not a stun:, turn: or turns: URL`)
  const turn = list.filter((u) => /^turns?:/.test(u))
  const listed = list.filter((u) => u.startsWith('stun:'))
  const derived = turn
    .filter((u) => u.startsWith('turn:'))
    .map((u) => `stun:${u.slice(5).split('?')[0]}`)
  const stun = [...new Set(listed.length ? listed : derived)]
  return { secret, urls: () => ({ stun, turn }) }
}

export interface TurnSetup {
  service: TurnService | undefined
  stop(): Promise<void>
  /** for a process 'exit' handler, which cannot wait */
  killNow(): void
}

export const NO_TURN_MESSAGE =
  'TURN: none, so peers behind different NATs may not connect. To enable it, install coturn ' +
  '(`apt-get install coturn`, binary `turnserver`) or set TURN_URLS and TURN_SECRET.'

/**
 * What `npm start` does about TURN: an external server (TURN_URLS + TURN_SECRET), else coturn
 * as a child when `turnserver` is on the PATH, else one line saying what is missing. Not on a
 * loopback-only finder (no NAT between its peers: the e2e suite's) unless TURN=on; TURN=off
 * turns it off anywhere. TURN_PORT (3478) and TURN_TLS_PORT (5349) pick the ports.
 */
export async function turnFromEnv(
  env: NodeJS.ProcessEnv,
  ctx: {
    host?: string | undefined
    domain?: string | undefined
    tls?: { cert: string; key: string } | undefined
    log: (line: string) => void
  },
): Promise<TurnSetup> {
  const none: TurnSetup = { service: undefined, stop: async () => {}, killNow: () => {} }
  if (env.TURN && env.TURN !== 'on' && env.TURN !== 'off')
    throw new Error(`TURN must be on or off, not "${env.TURN}"`)
  if (env.TURN === 'off') {
    ctx.log('TURN: off (TURN=off), so peers behind different NATs may not connect.')
    return none
  }
  if (env.TURN_URLS || env.TURN_SECRET) {
    if (!env.TURN_URLS || !env.TURN_SECRET)
      throw new Error('TURN_URLS and TURN_SECRET go together: set both, or neither')
    const service = externalTurn(env.TURN_URLS, env.TURN_SECRET)
    ctx.log(`TURN: external, ${service.urls('').turn.join(', ')}`)
    return { ...none, service }
  }
  if (ctx.host && LOOPBACK.test(ctx.host) && env.TURN !== 'on') {
    ctx.log(
      `TURN: not started: the finder listens on loopback only (HOST=${ctx.host}). TURN=on starts it.`,
    )
    return none
  }
  const bin = onPath('turnserver', env.PATH)
  if (!bin) {
    ctx.log(NO_TURN_MESSAGE)
    return none
  }
  const port = Number(env.TURN_PORT || DEFAULT_TURN_PORT)
  const tlsPort = Number(env.TURN_TLS_PORT || DEFAULT_TURN_TLS_PORT)
  for (const [name, value] of [
    ['TURN_PORT', port],
    ['TURN_TLS_PORT', tlsPort],
  ] as const) {
    if (!Number.isInteger(value) || value < 1 || value > 65535)
      throw new Error(`${name} must be a port number, not "${env[name]}"`)
  }
  const realm = hostnameOf(ctx.domain ?? '') || ctx.host || osHostname()
  const coturn = await startCoturn({
    bin,
    host: ctx.host,
    port,
    realm: realm.replace(/^\[|\]$/g, ''),
    tls: ctx.tls ? { ...ctx.tls, port: tlsPort } : undefined,
    logFile: env.TURN_LOG || undefined,
    log: ctx.log,
  })
  const where = `${ctx.host && !WILDCARD.has(ctx.host) ? ctx.host : 'every interface'}`
  const tls = coturn.tlsPort ? `, TLS ${coturn.tlsPort}` : ''
  ctx.log(`TURN: coturn (pid ${coturn.pid}) on ${where}, UDP and TCP ${coturn.port}${tls}`)
  return { service: coturn, stop: () => coturn.stop(), killNow: () => coturn.killNow() }
}
