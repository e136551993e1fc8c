/**
 * The app's two links share one shape — `<origin>/#/<kind>/<domain>/<token>`, invites `i`
 * (invite.ts) and device links `d` (device-link.ts) — so that both travel the same ways (QR,
 * copy, the address bar). This reads that shape from a whole link or its fragment; each
 * parser then says in its own words what is wrong with its token.
 */
export interface AppLinkParts {
  kind: 'i' | 'd'
  /** still percent-encoded */
  domainPart: string
  token: string
}

/** The parts of a link of either kind, or undefined when the text is neither. */
export function splitAppLink(text: string): AppLinkParts | undefined {
  const fragment = fragmentOf(text)
  const match = /^\/([id])\/(.+)\/([^/]+)$/.exec(fragment)
  if (!match) return undefined
  const [, kind, domainPart = '', token = ''] = match
  return { kind: kind as 'i' | 'd', domainPart, token }
}

/** Which kind the text starts like, even when the rest is damaged. */
export function appLinkKind(text: string): 'i' | 'd' | undefined {
  const m = /^\/([id])\//.exec(fragmentOf(text))
  return m ? (m[1] as 'i' | 'd') : undefined
}

function fragmentOf(text: string): string {
  const trimmed = text.trim()
  const hash = trimmed.indexOf('#')
  return hash >= 0 ? trimmed.slice(hash + 1) : trimmed
}
