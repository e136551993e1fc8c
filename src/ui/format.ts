import { SECURITY_CODES, type ConnectionPath, type ContactProblem } from '../openpeer/index.ts'

/** Words for how the bytes travel, short enough for a contact row. */
export const PATH_WORDS: Record<ConnectionPath, string> = {
  direct: 'direct',
  relay: 'relay',
  tunnel: 'tunnel',
  unknown: 'path unknown',
}

/** What each path means, for the tooltip beside its word. Every path is end-to-end encrypted. */
export const PATH_HINTS: Record<ConnectionPath, string> = {
  direct: 'Connected device to device, with no server in between.',
  relay:
    'Connected through a TURN relay server, because no direct path exists (or you hide your IP address). It passes on encrypted data it cannot read.',
  tunnel:
    'Connected through the relay tunnel of the finder, because this network allows nothing else. It passes on encrypted data it cannot read.',
  unknown: 'Connected; the path is not known yet.',
}

/** Why a contact could not be reached, in a few words for its row. */
export function problemWords(problem: ContactProblem): string {
  if ((SECURITY_CODES as ReadonlySet<string>).has(problem.code)) return 'a security check failed'
  switch (problem.code) {
    case 'ERR_TIMEOUT':
      return 'no connection could be made in time'
    case 'ERR_NO_PATH':
      return 'no network path, and the relay could not be reached'
    case 'ERR_SESSION_CLOSED':
      return 'the connection broke'
    case 'ERR_FINDER_UNREACHABLE':
      return 'their finder cannot be reached'
    default:
      return 'the connection failed'
  }
}

const TIME = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' })
const DAY_TIME = new Intl.DateTimeFormat(undefined, {
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
})

/** Time only for today, date and time before: a long history stays readable. */
export function messageTime(ms: number, now = Date.now()): string {
  const sameDay = new Date(ms).toDateString() === new Date(now).toDateString()
  return (sameDay ? TIME : DAY_TIME).format(ms)
}

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB']

/** 1 KB = 1000 B, as file managers on phones and macOS count. */
export function bytes(n: number): string {
  let i = 0
  let v = n
  while (v >= 1000 && i < UNITS.length - 1) {
    v /= 1000
    i++
  }
  return `${i === 0 || v >= 100 ? Math.round(v) : v.toFixed(1)} ${UNITS[i]}`
}

export const speed = (bytesPerSecond: number): string => `${bytes(bytesPerSecond)}/s`

/** "3 s", "4 min", "1 h 5 min"; null when unknown. */
export function eta(seconds: number | null): string | null {
  if (seconds === null || !Number.isFinite(seconds)) return null
  const s = Math.ceil(seconds)
  if (s < 60) return `${s} s`
  if (s < 3600) return `${Math.ceil(s / 60)} min`
  const h = Math.floor(s / 3600)
  return `${h} h ${Math.ceil((s - h * 3600) / 60)} min`
}

export const percent = (progress: number): number => Math.floor(progress * 100)

/** A call's length: 0:07, 12:34, 1:02:03. */
export function formatDuration(ms: number): string {
  const total = Math.floor(ms / 1000)
  const s = String(total % 60).padStart(2, '0')
  const m = Math.floor(total / 60) % 60
  const h = Math.floor(total / 3600)
  return h ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`
}
