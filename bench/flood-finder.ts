/**
 * The finder under test in bench:flood, in its own process so its memory is its own: prints its
 * port, then answers 'mem' (after a gc) and 'peak' over IPC.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { createFinderServer } from '../server/index.ts'

const server = await createFinderServer({
  port: 0,
  host: '127.0.0.1',
  domain: 'flood.test',
  log: () => {},
  distDir: '/nonexistent',
})
const peak = { rss: 0, heapUsed: 0 }
const sample = () => {
  const m = process.memoryUsage()
  peak.rss = Math.max(peak.rss, m.rss)
  peak.heapUsed = Math.max(peak.heapUsed, m.heapUsed)
}
setInterval(sample, 50).unref()
const lag = monitorEventLoopDelay({ resolution: 10 })
lag.enable()

const gc = (globalThis as { gc?: () => void }).gc
process.on('message', (msg: string) => {
  if (msg === 'mem') {
    gc?.()
    gc?.()
    const { rss, heapUsed } = process.memoryUsage()
    process.send!({ mem: { rss, heapUsed } })
  } else if (msg === 'peak') {
    sample()
    const ms = (ns: number) => Math.round(ns / 1e6)
    process.send!({ peak: { ...peak, lagP99: ms(lag.percentile(99)), lagMax: ms(lag.max) } })
  } else if (msg === 'reset-peak') {
    peak.rss = peak.heapUsed = 0
    lag.reset()
    sample()
    process.send!({ reset: true })
  } else if (msg === 'close') {
    void server.close().then(() => process.exit(0))
  }
})
process.send!({ port: server.address().port })
