import { createHash } from 'node:crypto'
import { ErrorReply, createClient } from '@redis/client'
import { OpenPeerError } from '../src/openpeer/errors.ts'

/*
 * The finder cluster's two connections to Redis (server/redis-registry.ts): one for commands,
 * one subscribed to this node's channel. Every failure of a command (Redis away, hung, or
 * answering an error) becomes one coded error, ERR_UNAVAILABLE, which clients retry.
 */

/** A Lua script, run by its SHA-1 once Redis knows it. */
export interface Script {
  lua: string
  sha: string
}

export function script(lua: string): Script {
  return { lua, sha: createHash('sha1').update(lua).digest('hex') }
}

export interface RedisLink {
  /** One command; ERR_UNAVAILABLE when Redis is away, refuses it, or does not answer in time. */
  command<T>(args: string[]): Promise<T>
  /** EVALSHA, or EVAL when Redis does not know the script (it restarted) */
  run<T>(s: Script, keys: string[], args: (string | number)[]): Promise<T>
  /** Drops both connections at once. Idempotent. */
  close(): void
}

export interface RedisLinkOptions {
  url: string
  /** how long the first connection may take before connectRedis fails (ms) */
  connectTimeout: number
  /** how long one command may wait for its answer (ms) */
  commandTimeout: number
  /** the pub/sub channel to subscribe, and what to do with its messages */
  channel: string
  onMessage: (message: string) => void
  log: (line: string) => void
}

/** A URL fit for a log line: the password is not. */
function safeUrl(url: string): string {
  try {
    const u = new URL(url)
    if (u.password) u.password = '***'
    return u.href
  } catch {
    return '(a malformed REDIS_URL)'
  }
}

function reason(e: unknown): string {
  if (e instanceof AggregateError && e.errors.length) return reason(e.errors[0])
  const err = e as { code?: unknown; message?: unknown }
  return String(err?.code ?? err?.message ?? e)
}

/**
 * Connects both and subscribes. Rejects with ERR_UNAVAILABLE within `connectTimeout` when Redis
 * cannot be reached, rather than retrying forever: a finder that cannot reach its registry must
 * not look up and answer nothing. Once connected, it reconnects (and resubscribes) by itself.
 */
export async function connectRedis(opts: RedisLinkOptions): Promise<RedisLink> {
  const { connectTimeout, commandTimeout, log } = opts
  let started = false
  let closed = false
  let down = false

  const client = createClient({
    url: opts.url,
    // While Redis is away a request fails at once (ERR_UNAVAILABLE) instead of queueing without
    // bound; the clients' keep-alives re-register once it is back.
    disableOfflineQueue: true,
    socket: {
      connectTimeout,
      // Before the first connection, failing is the answer; after it, reconnect for ever.
      reconnectStrategy: (retries: number) =>
        started && !closed ? Math.min(50 * 2 ** retries, 2000) : false,
    },
  })
  const sub = client.duplicate()
  for (const [name, c] of [
    ['commands', client],
    ['pub/sub', sub],
  ] as const) {
    c.on('error', (e: unknown) => {
      if (!started || closed || down) return
      down = true
      log(`finder: Redis ${name} connection lost (${reason(e)}); reconnecting`)
    })
    c.on('ready', () => {
      if (!down || !client.isReady || !sub.isReady) return
      down = false
      log('finder: Redis is back')
    })
  }

  const close = (): void => {
    closed = true
    for (const c of [client, sub]) {
      try {
        // Not close(): it waits for replies that never come while Redis is away.
        c.destroy()
      } catch {
        // never opened, or already closed
      }
    }
  }

  let timer: NodeJS.Timeout | undefined
  try {
    await Promise.race([
      (async () => {
        await Promise.all([client.connect(), sub.connect()])
        await client.ping()
        await sub.subscribe(opts.channel, opts.onMessage)
      })(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${connectTimeout} ms`)),
          connectTimeout,
        )
      }),
    ])
  } catch (e) {
    close()
    throw new OpenPeerError(
      'ERR_UNAVAILABLE',
      `cannot reach Redis at ${safeUrl(opts.url)}: ${reason(e)}`,
      { cause: e },
    )
  } finally {
    clearTimeout(timer)
  }
  started = true

  // Redis answering with an error (out of memory, a read-only replica, a script bug) is logged:
  // unlike a lost connection, nothing else would say so. At most one line per 10 s.
  let lastReplyLog = -Infinity
  function logReply(e: ErrorReply): void {
    if (Date.now() - lastReplyLog < 10_000) return
    lastReplyLog = Date.now()
    log(`finder: Redis answered ${e.message}`)
  }

  async function raw<T>(args: string[]): Promise<T> {
    let timer: NodeJS.Timeout | undefined
    try {
      return await Promise.race([
        client.sendCommand<T>(args),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('Redis did not answer')), commandTimeout)
        }),
      ])
    } finally {
      clearTimeout(timer)
    }
  }

  function unavailable(e: unknown): OpenPeerError {
    if (e instanceof ErrorReply) logReply(e)
    return new OpenPeerError('ERR_UNAVAILABLE', 'the finder cannot reach its registry', {
      cause: e,
    })
  }

  return {
    async command<T>(args: string[]) {
      try {
        return await raw<T>(args)
      } catch (e) {
        throw unavailable(e)
      }
    },

    async run<T>(s: Script, keys: string[], args: (string | number)[]) {
      const rest = [String(keys.length), ...keys, ...args.map(String)]
      try {
        return await raw<T>(['EVALSHA', s.sha, ...rest])
      } catch (e) {
        // A restarted Redis has forgotten its scripts: send this one whole, once.
        if (!(e instanceof ErrorReply) || !e.message.startsWith('NOSCRIPT')) throw unavailable(e)
      }
      try {
        return await raw<T>(['EVAL', s.lua, ...rest])
      } catch (e) {
        throw unavailable(e)
      }
    },

    close,
  }
}
