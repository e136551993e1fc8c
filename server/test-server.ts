import { createFinderServer, type FinderServer, type FinderServerOptions } from './index.ts'

export interface TestFinder {
  server: FinderServer
  /** host:port the tests' proofs name (the Host header clients send) */
  domain: string
  url: string
  finderUrl: string
}

/** A finder on an ephemeral loopback port, quiet unless the test asks for its log. */
export async function startFinder(opts: FinderServerOptions = {}): Promise<TestFinder> {
  const server = await createFinderServer({ port: 0, host: '127.0.0.1', log: () => {}, ...opts })
  const domain = `127.0.0.1:${server.address().port}`
  return { server, domain, url: server.url, finderUrl: `ws://${domain}/finder` }
}
