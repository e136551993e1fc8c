// Writes public/icon-192.png and public/icon-512.png with no dependencies (node:zlib only).
// The design matches public/favicon.svg: two linked dots on a rounded teal square.
// Run again after changing the colours: `node scripts/make-icons.mjs`.
import { writeFileSync } from 'node:fs'
import { deflateSync } from 'node:zlib'

const BG = [0x0f, 0x76, 0x6e] // #0f766e, also the theme colour
const FG = [0xff, 0xff, 0xff]

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})

function crc32(buf) {
  let c = 0xffffffff
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

function chunk(type, data) {
  const len = Buffer.alloc(4)
  len.writeUInt32BE(data.length)
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(body))
  return Buffer.concat([len, body, crc])
}

// Coverage in [0,1] of pixel (x,y) by the shape, 4x4 supersampled for smooth edges.
function coverage(size, x, y, inside) {
  let hits = 0
  for (let i = 0; i < 4; i++)
    for (let j = 0; j < 4; j++)
      if (inside((x + (i + 0.5) / 4) / size, (y + (j + 0.5) / 4) / size)) hits++
  return hits / 16
}

const inRoundedSquare = (u, v) => {
  const r = 0.18
  const dx = Math.max(r - u, 0, u - (1 - r))
  const dy = Math.max(r - v, 0, v - (1 - r))
  return dx * dx + dy * dy <= r * r
}
const inDot = (cx, cy, r) => (u, v) => (u - cx) ** 2 + (v - cy) ** 2 <= r * r
const inLink = (u, v) => {
  // segment from (0.32,0.68) to (0.68,0.32), half-width 0.045
  const t = Math.min(1, Math.max(0, ((u - 0.32) * 0.36 + (v - 0.68) * -0.36) / (2 * 0.36 * 0.36)))
  const px = 0.32 + 0.36 * t
  const py = 0.68 - 0.36 * t
  return (u - px) ** 2 + (v - py) ** 2 <= 0.045 ** 2
}
const dotA = inDot(0.32, 0.68, 0.13)
const dotB = inDot(0.68, 0.32, 0.13)
const inMark = (u, v) => dotA(u, v) || dotB(u, v) || inLink(u, v)

function png(size) {
  const raw = Buffer.alloc(size * (size * 4 + 1))
  for (let y = 0; y < size; y++) {
    const row = y * (size * 4 + 1)
    raw[row] = 0 // filter: none
    for (let x = 0; x < size; x++) {
      const bg = coverage(size, x, y, inRoundedSquare)
      const fg = coverage(size, x, y, inMark)
      const o = row + 1 + x * 4
      for (let c = 0; c < 3; c++) raw[o + c] = Math.round(BG[c] * (1 - fg) + FG[c] * fg)
      raw[o + 3] = Math.round(255 * bg)
    }
  }
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(size, 0)
  ihdr.writeUInt32BE(size, 4)
  ihdr[8] = 8 // bit depth
  ihdr[9] = 6 // RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ])
}

const outDir = new URL('../public/', import.meta.url)
for (const size of [192, 512]) {
  writeFileSync(new URL(`icon-${size}.png`, outDir), png(size))
  console.log(`public/icon-${size}.png`)
}
