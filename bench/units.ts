/** Units and small helpers shared by the browser benchmarks. */
export const MiB = 1024 * 1024

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))
/** MiB/s */
export const rate = (bytes: number, ms: number): number => bytes / MiB / (ms / 1000)
export const f1 = (n: number): string => n.toFixed(1)
export const mib = (n: number): string => `${f1(n / MiB)} MiB`
