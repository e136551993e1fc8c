/**
 * Vite plugin: once the build is written, puts a brotli `<file>.br` and a gzip `<file>.gz` beside
 * every file that server/static.ts serves compressed, so the server only picks one per request
 * and never compresses while answering. It runs last (closeBundle, sequential, order post),
 * after vite-plugin-pwa has written sw.js and workbox-*.js, so those are compressed too.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { promisify } from 'node:util'
import { brotliCompress, constants, gzip } from 'node:zlib'
import type { Plugin } from 'vite'
import { COMPRESSIBLE } from '../server/static.ts'

const brotli = promisify(brotliCompress)
const gz = promisify(gzip)

/** The smallest each can make: compression happens once, at build time. */
async function variants(data: Buffer): Promise<{ suffix: string; bytes: Buffer }[]> {
  const [br, gzipped] = await Promise.all([
    brotli(data, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
        [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
        [constants.BROTLI_PARAM_SIZE_HINT]: data.length,
      },
    }),
    gz(data, { level: constants.Z_BEST_COMPRESSION }),
  ])
  return [
    { suffix: '.br', bytes: br },
    { suffix: '.gz', bytes: gzipped },
  ]
}

export function precompress(): Plugin {
  let outDir = ''
  let log: (message: string) => void = () => {}
  return {
    name: 'precompress',
    apply: 'build',
    configResolved(config) {
      outDir = path.resolve(config.root, config.build.outDir)
      log = (message) => config.logger.info(message)
    },
    closeBundle: {
      order: 'post',
      sequential: true,
      async handler(error?: Error) {
        if (error) return
        const names = (await readdir(outDir, { recursive: true })).filter((name) =>
          COMPRESSIBLE.test(name),
        )
        const total = { raw: 0, br: 0, gz: 0, files: 0 }
        await Promise.all(
          names.map(async (name) => {
            const file = path.join(outDir, name)
            const data = await readFile(file)
            total.raw += data.length
            total.files++
            for (const { suffix, bytes } of await variants(data)) {
              // A variant no smaller than the file (a tiny one) would only cost a stat per request.
              const kept = bytes.length < data.length
              if (kept) await writeFile(file + suffix, bytes)
              total[suffix === '.br' ? 'br' : 'gz'] += kept ? bytes.length : data.length
            }
          }),
        )
        const kb = (n: number): string => `${(n / 1000).toFixed(1)} kB`
        log(
          `precompressed ${total.files} files, ${kb(total.raw)}: brotli ${kb(total.br)}, ` +
            `gzip ${kb(total.gz)}`,
        )
      },
    },
  }
}
