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

/** A magnet link without trackers; the name is dropped if it would pass PROTOCOL's 2000 chars. */
export function magnetOf(infoHash: string, name: string, size: number): string {
  const bare = `magnet:?xt=urn:btih:${infoHash}&xl=${size}`
  const named = `magnet:?xt=urn:btih:${infoHash}&dn=${encodeURIComponent(name)}&xl=${size}`
  return named.length <= 2000 ? named : bare
}
