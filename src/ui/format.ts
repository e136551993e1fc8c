import type { ConnectionPath } from '../openpeer/index.ts'

/** Words for how the bytes travel, short enough for a contact row. */
export const PATH_WORDS: Record<ConnectionPath, string> = {
  direct: 'direct',
  'server-reflexive': 'server-reflexive',
  relay: 'relay',
  unknown: 'path unknown',
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
