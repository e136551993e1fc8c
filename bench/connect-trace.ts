/**
 * The connect path's timeline in bench:connect: the `opw:*` User Timing marks both pages leave
 * when tracing is on (src/openpeer/trace.ts), put on one clock (`timeOrigin + startTime`, both
 * pages run on this machine) and measured from the moment the invitee's page opened the link.
 */
import type { BrowserContext, Page } from 'playwright-core'

export type Side = 'invitee' | 'inviter'
/** One mark of one run: which page, what, ms after the invite was opened. */
export interface Mark {
  side: Side
  name: string
  at: number
}

/** Turns the trace on in every page of `context` (read by src/main.tsx at load). */
export async function traced(context: BrowserContext): Promise<void> {
  await context.addInitScript(`try { localStorage.setItem('opw:trace', '1') } catch {}`)
}

/** Clears a page's marks, so a run's timeline holds only that run. */
export async function clearMarks(page: Page): Promise<void> {
  await page.evaluate(`performance.clearMarks()`)
}

async function marksOf(page: Page): Promise<{ name: string; epoch: number }[]> {
  return (await page.evaluate(`performance.getEntriesByType('mark')
    .filter((m) => m.name.startsWith('opw:'))
    .map((m) => ({ name: m.name.slice(4), epoch: performance.timeOrigin + m.startTime }))`)) as {
    name: string
    epoch: number
  }[]
}

/** Both pages' marks of one run, in ms from the invitee's `bench:open` mark. */
export async function timeline(invitee: Page, inviter: Page): Promise<Mark[]> {
  const [b, a] = await Promise.all([marksOf(invitee), marksOf(inviter)])
  const t0 = b.find((m) => m.name === 'bench:open')?.epoch ?? NaN
  return [
    ...b.map((m) => ({ side: 'invitee' as const, name: m.name, at: m.epoch - t0 })),
    ...a.map((m) => ({ side: 'inviter' as const, name: m.name, at: m.epoch - t0 })),
  ].sort((x, y) => x.at - y.at)
}

/**
 * The median timeline over runs: for each (side, mark), the median of its first occurrence
 * and how many times it occurred per run (candidates, signals).
 */
export function medianTimeline(runs: Mark[][]): string[] {
  const firsts = new Map<string, number[]>()
  const counts = new Map<string, number[]>()
  for (const run of runs) {
    const seen = new Map<string, number>()
    for (const m of run) {
      const key = `${m.side.padEnd(8)} ${m.name}`
      if (!seen.has(key)) firsts.set(key, [...(firsts.get(key) ?? []), m.at])
      seen.set(key, (seen.get(key) ?? 0) + 1)
    }
    for (const [key, n] of seen) counts.set(key, [...(counts.get(key) ?? []), n])
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1] ?? NaN
  return [...firsts]
    .map(([key, ats]) => ({ key, at: median(ats), n: median(counts.get(key) ?? [1]) }))
    .sort((x, y) => x.at - y.at)
    .map(({ key, at, n }) => `${at.toFixed(1).padStart(8)} ms  ${key}${n > 1 ? `  ×${n}` : ''}`)
}
