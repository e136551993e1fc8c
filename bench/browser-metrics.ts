/**
 * What bench:transfer:browser measures besides time: each tab's JS heap, main-thread busy time
 * and CPU profile (over CDP), and the CPU used by all of Chromium's processes (from /proc).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { CDPSession, Page } from 'playwright-core'
import { f1 } from './units.ts'

const SAMPLE_EVERY_MS = 500

export interface Tab {
  name: string
  page: Page
  cdp: CDPSession
}

export interface Heap {
  heap: number
  /** ArrayBuffer backing stores and external strings (when this Chromium reports it) */
  buffers: number
}

export async function heapOf(tab: Tab): Promise<Heap> {
  const r = (await tab.cdp.send('Runtime.getHeapUsage')) as {
    usedSize: number
    backingStorageSize?: number
  }
  return { heap: r.usedSize, buffers: r.backingStorageSize ?? NaN }
}

/** Peak heap of each tab, sampled every 500 ms; `phase()` returns the peaks so far and restarts. */
export class HeapSampler {
  private peaks: Heap[]
  private readonly timer: ReturnType<typeof setInterval>
  private busy = false

  constructor(private readonly tabs: Tab[]) {
    this.peaks = tabs.map(() => ({ heap: 0, buffers: 0 }))
    this.timer = setInterval(() => void this.sample(), SAMPLE_EVERY_MS)
  }

  async sample(): Promise<void> {
    if (this.busy) return
    this.busy = true
    try {
      const now = await Promise.all(this.tabs.map(heapOf))
      now.forEach((h, i) => {
        const p = this.peaks[i]!
        p.heap = Math.max(p.heap, h.heap)
        p.buffers = Math.max(p.buffers, h.buffers)
      })
    } catch {
      // a page busy navigating or closing: skip this sample
    } finally {
      this.busy = false
    }
  }

  async phase(): Promise<Heap[]> {
    await this.sample()
    const peaks = this.peaks
    this.peaks = this.tabs.map(() => ({ heap: 0, buffers: 0 }))
    return peaks
  }

  stop(): void {
    clearInterval(this.timer)
  }
}

/**
 * Seconds the tab's main thread spent in tasks so far (CDP Performance.TaskDuration, wall time:
 * it includes the time a task waited for a core on a loaded machine) and on a core
 * (Performance.ThreadTime, CPU time of the main thread).
 */
export async function mainThreadSeconds(tab: Tab): Promise<{ task: number; cpu: number }> {
  const { metrics } = (await tab.cdp.send('Performance.getMetrics')) as {
    metrics: { name: string; value: number }[]
  }
  const get = (name: string): number => metrics.find((m) => m.name === name)?.value ?? NaN
  return { task: get('TaskDuration'), cpu: get('ThreadTime') }
}

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
}

export async function startProfile(tab: Tab): Promise<void> {
  await tab.cdp.send('Profiler.enable')
  await tab.cdp.send('Profiler.setSamplingInterval', { interval: 500 })
  await tab.cdp.send('Profiler.start')
}

/** Writes <dir>/<tab>.cpuprofile and prints the functions with the most self time. */
export async function stopProfile(tab: Tab, dir: string): Promise<void> {
  const { profile } = (await tab.cdp.send('Profiler.stop')) as {
    profile: {
      nodes: ProfileNode[]
      samples: number[]
      timeDeltas: number[]
      startTime: number
      endTime: number
    }
  }
  await mkdir(dir, { recursive: true })
  const file = join(dir, `${tab.name.toLowerCase()}.cpuprofile`)
  await writeFile(file, JSON.stringify(profile))
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const self = new Map<string, number>()
  profile.samples.forEach((id, i) => {
    const f = byId.get(id)!.callFrame
    const where = f.url ? ` ${f.url.replace(/^.*\//, '')}:${f.lineNumber + 1}` : ''
    const key = `${f.functionName || '(anonymous)'}${where}`
    // timeDeltas[i] is the time before sample i; attribute it to that sample
    self.set(key, (self.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0))
  })
  const total = profile.endTime - profile.startTime
  const top = [...self].sort((a, b) => b[1] - a[1]).slice(0, 12)
  console.log(`  ${tab.name} CPU profile (${file}), self time of ${f1(total / 1e6)} s:`)
  for (const [key, us] of top) {
    console.log(`    ${((us / total) * 100).toFixed(1).padStart(5)} %  ${key}`)
  }
}

/** CPU seconds of every thread of Chromium's processes, keyed "process type/thread name" */
export function browserThreadSeconds(): Map<string, number> {
  const out = new Map<string, number>()
  for (const pid of chromiumPids()) {
    let type = 'browser'
    try {
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split(/[\0 ]/)
      const arg = (name: string): string | undefined =>
        args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3)
      type = arg('utility-sub-type')?.replace(/\.mojom\..*/, '') ?? arg('type') ?? type
      for (const tid of readdirSync(`/proc/${pid}/task`)) {
        const comm = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim()
        const key = `${type}/${comm.replace(/\d+$/, '')}`
        out.set(
          key,
          (out.get(key) ?? 0) +
            ticksOf(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8')) / 100,
        )
      }
    } catch {
      // exited while we looked
    }
  }
  return out
}

/** the threads that used the most CPU between two `browserThreadSeconds`, in ms per MiB moved */
export function topThreads(
  before: Map<string, number>,
  after: Map<string, number>,
  mib: number,
  n = 8,
): string {
  return [...after]
    .map(([k, v]) => [k, v - (before.get(k) ?? 0)] as const)
    .filter(([, v]) => v > 0)
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, v]) => `${k} ${((v * 1000) / mib).toFixed(0)}`)
    .join(' · ')
}

/** utime + stime of a /proc stat line, in ticks */
function ticksOf(stat: string): number {
  // after "pid (comm) ": state ppid … utime (12th) stime (13th)
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return Number(f[11]) + Number(f[12])
}

/** the processes descending from this one (Chromium's, in the benches) */
function chromiumPids(): number[] {
  const parent = new Map<number, number>()
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8')
      parent.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]))
    } catch {
      // exited while we looked
    }
  }
  return [...parent.keys()].filter((pid) => {
    for (let p = parent.get(pid); p !== undefined && p > 1; p = parent.get(p)) {
      if (p === process.pid) return true
    }
    return false
  })
}

/**
 * CPU seconds used so far by this process's descendants (Chromium's processes), from /proc;
 * NaN where there is no /proc. Processes that already exited are not counted.
 */
export function browserCpuSeconds(): number {
  if (!existsSync('/proc/self/stat')) return NaN
  let total = 0
  for (const pid of chromiumPids()) {
    try {
      total += ticksOf(readFileSync(`/proc/${pid}/stat`, 'utf8'))
    } catch {
      // exited while we looked
    }
  }
  return total / 100 // USER_HZ is 100 on Linux
}
