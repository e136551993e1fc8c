/**
 * `bench:transfer:browser -- --profile`: a Chromium trace (chrome://tracing, Perfetto or the
 * DevTools Performance panel open it) of the downloader during the app's transfer, and a
 * summary of its main thread: where the busy time goes, by task origin and by trace event.
 */
import { createWriteStream } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { once } from 'node:events'
import type { Tab } from './browser-metrics.ts'
import { f1 } from './units.ts'

const CATEGORIES = [
  'toplevel',
  'devtools.timeline',
  'disabled-by-default-devtools.timeline',
  'v8.execute',
  'blink.user_timing',
].join(',')

const MARK = 'bench-trace-main-thread'

export async function startTrace(tab: Tab): Promise<void> {
  await tab.cdp.send('Tracing.start', {
    categories: CATEGORIES,
    transferMode: 'ReturnAsStream',
  } as never)
  // A user-timing mark names this tab's renderer main thread in the trace.
  await tab.page.evaluate(`performance.mark(${JSON.stringify(MARK)})`)
}

interface TraceEvent {
  name: string
  ph: string
  pid: number
  tid: number
  ts: number
  dur?: number
  /** thread (CPU) time */
  tdur?: number
  args?: { src_func?: string; src_file?: string; data?: { type?: string; functionName?: string } }
}

/** Stops the trace, writes <dir>/<tab>.trace.json and prints the main thread's top costs. */
export async function stopTrace(tab: Tab, dir: string): Promise<void> {
  const complete = new Promise<{ stream: string }>((resolve) =>
    tab.cdp.once('Tracing.tracingComplete', (e) => resolve(e as { stream: string })),
  )
  await tab.cdp.send('Tracing.end')
  const { stream } = await complete
  await mkdir(dir, { recursive: true })
  const file = join(dir, `${tab.name.toLowerCase()}.trace.json`)
  const out = createWriteStream(file)
  let text = ''
  for (;;) {
    const r = (await tab.cdp.send('IO.read', { handle: stream, size: 4 << 20 } as never)) as {
      data: string
      eof: boolean
      base64Encoded?: boolean
    }
    const chunk = r.base64Encoded ? Buffer.from(r.data, 'base64').toString('utf8') : r.data
    text += chunk
    if (!out.write(chunk)) await once(out, 'drain')
    if (r.eof) break
  }
  await tab.cdp.send('IO.close', { handle: stream } as never)
  out.end()
  await once(out, 'finish')
  summarise(tab.name, file, (JSON.parse(text) as { traceEvents: TraceEvent[] }).traceEvents)
}

export function summarise(name: string, file: string, events: TraceEvent[]): void {
  const mark = events.find((e) => e.name === MARK)
  if (!mark) return console.log(`  ${name} trace (${file}): main thread not found`)
  // Thread time (tdur), not wall time: on a loaded machine a task's wall time is mostly waiting
  // for a core, which says nothing about what the task costs.
  const main = events
    .filter((e) => e.pid === mark.pid && e.tid === mark.tid && e.ph === 'X' && e.dur)
    .sort((a, b) => a.ts - b.ts || b.dur! - a.dur!)
  const first = main[0]?.ts ?? 0
  const last = main.reduce((m, e) => Math.max(m, e.ts + e.dur!), 0)
  const wall = last - first
  const cpu = (e: TraceEvent): number => e.tdur ?? e.dur!
  // Top-level tasks by where they were posted from.
  const byOrigin = new Map<string, { us: number; n: number }>()
  // Self time per event name (a nested event's time is taken out of its parent's).
  const self = new Map<string, number>()
  const stack: { e: TraceEvent; key: string }[] = []
  let busy = 0
  let busyWall = 0
  for (const e of main) {
    while (stack.length && stack[stack.length - 1]!.e.ts + stack[stack.length - 1]!.e.dur! <= e.ts)
      stack.pop()
    const detail = e.args?.data?.type ?? e.args?.data?.functionName ?? ''
    const key = detail ? `${e.name} (${detail})` : e.name
    const parent = stack[stack.length - 1]
    if (parent) self.set(parent.key, (self.get(parent.key) ?? 0) - cpu(e))
    else {
      busy += cpu(e)
      busyWall += e.dur!
    }
    if (e.name === 'ThreadControllerImpl::RunTask') {
      const origin = `${e.args?.src_file ?? ''} ${e.args?.src_func ?? ''}`
      const o = byOrigin.get(origin) ?? { us: 0, n: 0 }
      o.us += cpu(e)
      o.n++
      byOrigin.set(origin, o)
    }
    self.set(key, (self.get(key) ?? 0) + cpu(e))
    stack.push({ e, key })
  }
  const pct = (us: number): string => `${((us / wall) * 100).toFixed(1).padStart(5)} %`
  console.log(
    `  ${name} trace (${file}), ${f1(wall / 1e6)} s: main thread in tasks ${pct(busyWall).trim()} ` +
      `of the wall time, on a core ${pct(busy).trim()} (thread time); tasks by origin (thread time):`,
  )
  for (const [k, o] of [...byOrigin].sort((a, b) => b[1].us - a[1].us).slice(0, 10))
    console.log(`    ${pct(o.us)}  ${o.n} tasks, ${(o.us / o.n).toFixed(0)} µs each  ${k}`)
  console.log(`  ${name} main thread, self thread time by trace event:`)
  for (const [k, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 14))
    console.log(`    ${pct(us)}  ${k}`)
}

// `node --import tsx bench/browser-trace.ts <file.trace.json>`: the summary of a saved trace.
if (import.meta.url === `file://${process.argv[1]}` && process.argv[2]) {
  const file = process.argv[2]
  const { readFileSync } = await import('node:fs')
  const events = (JSON.parse(readFileSync(file, 'utf8')) as { traceEvents: TraceEvent[] })
    .traceEvents
  summarise('trace', file, events)
}
