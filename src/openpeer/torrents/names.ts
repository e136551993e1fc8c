import { OpenPeerError } from '../errors.ts'

/** Longest file name we share or accept: what common file systems allow, and PROTOCOL's limit. */
export const FILE_NAME_MAX = 255
export const MIME_MAX = 100
const EXTENSION_MAX = 16

/**
 * A shareable file name: path separators and control characters become `_` (the name becomes
 * a path inside the torrent and on the receiver's disk), and a name over 255 characters is
 * shortened in its stem so the extension survives (`very…long.pdf` stays a `.pdf`).
 */
export function cleanFileName(name: string): string {
  // eslint-disable-next-line no-control-regex
  let clean = name.replace(/[\u0000-\u001f\u007f/\\]/g, '_').trim()
  if (!clean || clean === '.' || clean === '..') clean = 'file'
  // Lengths in UTF-16 units, as the wire schema counts them; a surrogate pair is never split.
  if (clean.length <= FILE_NAME_MAX) return clean
  const dot = clean.lastIndexOf('.')
  const ext = dot > 0 && clean.length - dot <= EXTENSION_MAX ? clean.slice(dot) : ''
  let stem = clean.slice(0, FILE_NAME_MAX - ext.length)
  if (/[\ud800-\udbff]$/.test(stem)) stem = stem.slice(0, -1)
  return stem + ext
}

/** A MIME type as given, if it looks like one; otherwise the generic binary type. */
export function cleanMime(mime: string | undefined): string {
  const m = (mime ?? '').trim().toLowerCase()
  return m.length <= MIME_MAX && /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+(;.*)?$/.test(m)
    ? m
    : 'application/octet-stream'
}

/** Where else a file can be fetched from, as a magnet link names it. */
export interface MagnetSources {
  /** BEP 19 web seeds (`ws=`): HTTP(S) URLs serving the file's bytes with range requests */
  webSeeds?: readonly string[] | undefined
  /** where the .torrent itself can be fetched (`xs=`), so a download needs no peer to start */
  exactSources?: readonly string[] | undefined
  /** BitTorrent peers to try over TCP (`x.pe=host:port`), for stock clients */
  peers?: readonly string[] | undefined
}

/**
 * A magnet link without trackers; the name is dropped if it would pass PROTOCOL's 2000 chars
 * (sources are worth more than a name: without them the file may not be found at all).
 */
export function magnetOf(
  infoHash: string,
  name: string,
  size: number,
  sources: MagnetSources = {},
): string {
  const extra = [
    ...(sources.webSeeds ?? []).map((u) => `&ws=${encodeURIComponent(u)}`),
    ...(sources.exactSources ?? []).map((u) => `&xs=${encodeURIComponent(u)}`),
    // host:port as stock clients read it (an escaped colon is an invalid peer to WebTorrent)
    ...(sources.peers ?? []).map(
      (p) =>
        `&x.pe=${encodeURIComponent(p).replace(/%3A/gi, ':').replace(/%5B/gi, '[').replace(/%5D/gi, ']')}`,
    ),
  ].join('')
  const bare = `magnet:?xt=urn:btih:${infoHash}&xl=${size}${extra}`
  const named = `magnet:?xt=urn:btih:${infoHash}&dn=${encodeURIComponent(name)}&xl=${size}${extra}`
  if (named.length <= 2000) return named
  if (bare.length <= 2000) return bare
  throw new OpenPeerError(
    'ERR_TOO_LARGE',
    'too many web seeds for one magnet link (2000 characters)',
  )
}

/**
 * What a magnet link names besides the infohash that we keep: its web seeds and .torrent
 * sources (valid http/https URLs only). Trackers and peers are dropped: peers are contacts.
 */
export function sourcesOf(magnet: string): MagnetSources {
  if (!magnet.startsWith('magnet:?')) return {}
  const params = new URLSearchParams(magnet.slice('magnet:?'.length))
  const valid = (u: string): string[] => {
    try {
      return [cleanWebSeed(u)]
    } catch {
      return []
    }
  }
  return {
    webSeeds: params.getAll('ws').flatMap(valid),
    exactSources: params.getAll('xs').flatMap(valid),
  }
}

/**
 * A web seed URL as WebTorrent will fetch it: http or https only (a `file:` or `data:` URL is
 * no server; a password in the URL would travel in every magnet link), at most 500 characters.
 */
export function cleanWebSeed(text: string): string {
  let url: URL
  try {
    url = new URL(text.trim())
  } catch {
    throw new OpenPeerError('ERR_WEB_SEED', 'not a web address: expected http:// or https://…')
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new OpenPeerError(
      'ERR_WEB_SEED',
      `a web seed is an http or https address, not ${url.protocol}`,
    )
  }
  if (url.username || url.password) {
    throw new OpenPeerError(
      'ERR_WEB_SEED',
      'a web seed address must not carry a user name or password',
    )
  }
  if (url.href.length > 500) {
    throw new OpenPeerError('ERR_WEB_SEED', 'a web seed address is at most 500 characters')
  }
  return url.href
}

/** A file's magnet link with `more` sources beside those it names already. */
export function withSources(
  file: { infoHash: string; name: string; size: number; magnet: string },
  more: MagnetSources,
): string {
  const had = sourcesOf(file.magnet)
  const union = (a?: readonly string[], b?: readonly string[]): string[] => [
    ...new Set([...(a ?? []), ...(b ?? [])]),
  ]
  return magnetOf(file.infoHash, file.name, file.size, {
    webSeeds: union(had.webSeeds, more.webSeeds),
    exactSources: union(had.exactSources, more.exactSources),
  })
}
