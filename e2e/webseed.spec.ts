import { readFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { expect, test } from '@playwright/test'
import { closeAll, connectedPair, contactItem } from './helpers.ts'
import { expectComplete, expectSavedEqual, percentOf, randomFile, shareWith } from './files.ts'

test.describe.configure({ timeout: 240_000 })

/** A web server holding one file, as a gateway would: range requests, CORS, counting fetches. */
async function gateway(name: string, bytes: Buffer) {
  let fetched = 0
  const server: Server = createServer((req, res) => {
    res.setHeader('access-control-allow-origin', '*')
    res.setHeader('access-control-expose-headers', 'content-range, content-length')
    if (req.method === 'OPTIONS') {
      // what WebTorrent's range requests carry: Range, User-Agent, Cache-Control, Pragma
      res.setHeader('access-control-allow-headers', 'range, user-agent, cache-control, pragma')
      return void res.writeHead(204).end()
    }
    if (decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname) !== `/${name}`) {
      return void res.writeHead(404).end()
    }
    fetched += 1
    const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '')
    if (!m) return void res.writeHead(200, { 'content-length': bytes.length }).end(bytes)
    const start = Number(m[1])
    const end = m[2] ? Number(m[2]) : bytes.length - 1
    res.writeHead(206, {
      'content-range': `bytes ${start}-${end}/${bytes.length}`,
      'content-length': end - start + 1,
    })
    res.end(bytes.subarray(start, end + 1))
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/${name}`,
    fetched: () => fetched,
    close: () => new Promise<void>((r) => server.close(() => r())),
  }
}

test('a web seed added to a shared file: Bob finishes from it after Alice closes her page', async ({
  browser,
  baseURL,
}) => {
  const { alice, bob } = await connectedPair(browser, baseURL!)
  const file = await randomFile('lecture.webm', 40 * 1024 * 1024)
  const web = await gateway(file.name, await readFile(file.path))
  try {
    await shareWith(alice.page, 'Bob', file)
    const row = alice.page.getByRole('list', { name: 'Transfers' }).getByRole('listitem', {
      name: file.name,
    })
    // A bad address says why, and the link stays as it was.
    await row.getByRole('textbox', { name: `Web seed for ${file.name}` }).fill('ftp://x/y')
    await row.getByRole('button', { name: `Add web seed to ${file.name}` }).click()
    await expect(alice.page.getByRole('alert')).toContainText('not a web seed address')
    await row.getByRole('textbox', { name: `Web seed for ${file.name}` }).fill(web.url)
    await row.getByRole('button', { name: `Add web seed to ${file.name}` }).click()
    await expect(row.getByRole('textbox', { name: `Web seed for ${file.name}` })).toHaveValue('')

    // Bob downloads from the card he got before the web seed was added.
    await contactItem(bob.page, 'Alice').click()
    await bob.page.getByRole('button', { name: `Download ${file.name}` }).click()
    await expect
      .poll(() => percentOf(bob.page, file.name), { timeout: 60_000, intervals: [20] })
      .toBeGreaterThan(0)
    await alice.context.close()
    expect(await percentOf(bob.page, file.name)).toBeLessThan(100)
    await expectComplete(bob.page, file.name)
    await expectSavedEqual(bob.page, file)
    expect(web.fetched()).toBeGreaterThan(0)
  } finally {
    await web.close()
    await closeAll(bob)
  }
})
