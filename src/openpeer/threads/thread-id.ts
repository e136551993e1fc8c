import { sha256, toHex } from '../identity/encoding.ts'

/** One thread per pair of contacts: both sides derive the same id without agreeing on it. */
export async function threadIdFor(a: string, b: string): Promise<string> {
  const [x, y] = [a, b].sort()
  return toHex(await sha256(`thread:${x}:${y}`))
}
