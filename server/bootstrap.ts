import type { IncomingMessage, ServerResponse } from 'node:http'
import {
  MAX_FRAME,
  PROOF_LIFETIME,
  domainSchema,
  type Bootstrap,
} from '../src/openpeer/wire/index.ts'
import type { Limits } from './limits.ts'
import { plain } from './static.ts'
import type { TurnIssuer } from './turn-credentials.ts'

export const BOOTSTRAP_PATH = '/.well-known/openpeer-services-get'
export const FINDER_PATH = '/finder'

export type IceServer = Bootstrap['iceServers'][number]

/** The request's Host header as a domain (lowercase host[:port]), or undefined if unusable. */
export function hostDomain(req: IncomingMessage): string | undefined {
  const host = req.headers.host?.toLowerCase()
  return host && domainSchema.safeParse(host).success ? host : undefined
}

/**
 * GET /.well-known/openpeer-services-get (PROTOCOL §5.1). The finder URL is built from the Host
 * the client used, so one server answers correctly under every name it is reached by.
 */
export function createBootstrapHandler(opts: {
  domain?: string | undefined
  iceServers: IceServer[]
  limits: Limits
  /** STUN servers of the finder's TURN server, named by the host the client used */
  turn?: TurnIssuer | undefined
  /** the finder itself serves TLS */
  secure?: boolean
  /** the cluster's finder URLs (FINDER_URLS), listed instead of this node's own */
  finders?: string[] | undefined
}) {
  return function serveBootstrap(req: IncomingMessage, res: ServerResponse): void {
    // Any origin may bootstrap this domain: that is how federation works.
    const cors = { 'Access-Control-Allow-Origin': '*' }
    const host = hostDomain(req)
    if (!host) return plain(res, 400, 'Bad Host header', cors)
    const forwarded = String(req.headers['x-forwarded-proto'] ?? '')
      .split(',')[0]
      ?.trim()
    const scheme = opts.secure || forwarded === 'https' ? 'wss' : 'ws'
    const body: Bootstrap = {
      v: 1,
      domain: opts.domain ?? host,
      finders: opts.finders?.length ? opts.finders : [`${scheme}://${host}${FINDER_PATH}`],
      iceServers: [...opts.iceServers, ...(opts.turn?.stun(host) ?? [])].slice(0, 8),
      limits: {
        finderFrame: MAX_FRAME.finder,
        peerFrame: MAX_FRAME.peer,
        proofLifetime: PROOF_LIFETIME.finder,
        locationsPerContact: opts.limits.locationsPerContact,
        registrationTtl: opts.limits.registrationTtl,
      },
    }
    const json = JSON.stringify(body)
    res.writeHead(200, {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': Buffer.byteLength(json),
      'Cache-Control': 'no-cache',
      ...cors,
    })
    res.end(req.method === 'HEAD' ? undefined : json)
  }
}
