import { expect, test } from '@playwright/test'
import {
  closeAll,
  connect,
  connectedPair,
  contactItem,
  conversation,
  expectState,
  message,
  newUser,
  send,
} from './helpers.ts'
import {
  expectComplete,
  expectSavedEqual,
  fileCard,
  percentOf,
  randomFile,
  sentBytes,
  shareWith,
  startDownload,
} from './files.ts'

const MB = 1024 * 1024

test.describe.configure({ timeout: 240_000 })

test('a 20 MB file goes from Alice to Bob over their connection, byte for byte', async ({
  browser,
  baseURL,
}) => {
  const { alice, bob } = await connectedPair(browser, baseURL!)
  const file = await randomFile('twenty.bin', 20 * MB)

  await shareWith(alice.page, 'Bob', file)
  await contactItem(bob.page, 'Alice').click()
  await expect(fileCard(bob.page, file.name)).toContainText('21.0 MB')
  await conversation(bob.page)
    .getByRole('button', { name: `Download ${file.name}` })
    .click()
  await expectComplete(bob.page, file.name)
  await expectSavedEqual(bob.page, file)
  await closeAll(alice, bob)
})

test('a download interrupted by a reload resumes where it stopped, with equal bytes', async ({
  browser,
  baseURL,
}) => {
  const { alice, bob } = await connectedPair(browser, baseURL!)
  const file = await randomFile('resume.bin', 30 * MB)
  await shareWith(alice.page, 'Bob', file)
  // Alice's sent figure shows in her Transfers panel: it tells whether bytes were sent twice.
  await startDownload(bob.page, 'Alice', file.name)
  // Past 40 %: a download that restarted from zero would send ≥ 1.4× the file (checked below).
  await expect
    .poll(() => percentOf(bob.page, file.name), { timeout: 60_000, intervals: [50] })
    .toBeGreaterThan(40)
  const before = await percentOf(bob.page, file.name)
  expect(before).toBeLessThan(100)

  await bob.page.reload()
  await contactItem(bob.page, 'Alice').click()
  // Resumed, not restarted: what was verified before the reload is still there.
  await expect
    .poll(() => percentOf(bob.page, file.name), { timeout: 30_000 })
    .toBeGreaterThanOrEqual(Math.min(before, 99) - 5)
  await expectComplete(bob.page, file.name)
  await expectSavedEqual(bob.page, file)
  // A piece in flight at the reload may be fetched again; the file as a whole is not.
  expect(await sentBytes(alice.page, file.name)).toBeLessThan(file.size * 1.25)
  await closeAll(alice, bob)
})

test('three-peer swarm: Carol draws from Alice and Bob, and finishes from Bob when Alice leaves', async ({
  browser,
  baseURL,
}) => {
  const alice = await newUser(browser, baseURL!, 'Alice')
  const bob = await newUser(browser, baseURL!, 'Bob')
  const carol = await newUser(browser, baseURL!, 'Carol')
  await connect(alice, bob)
  await connect(alice, carol)
  await connect(bob, carol)
  const file = await randomFile('swarm.bin', 40 * MB)
  await shareWith(alice.page, 'Bob', file)
  await shareWith(alice.page, 'Carol', file)

  // Bob fetches the whole file from Alice, then keeps seeding it.
  await startDownload(bob.page, 'Alice', file.name)
  await expectComplete(bob.page, file.name)

  // Carol was offered it by Alice only, yet Bob is a source too.
  await startDownload(carol.page, 'Alice', file.name)
  await expect(fileCard(carol.page, file.name)).toContainText('2 peers', { timeout: 30_000 })
  expect(await percentOf(carol.page, file.name)).toBeLessThan(100)
  await alice.context.close()
  await expectComplete(carol.page, file.name)
  await expectSavedEqual(carol.page, file)
  await closeAll(bob, carol)
})

test('on mobile data seeding waits for "Share files on mobile data"', async ({
  browser,
  baseURL,
}) => {
  const { alice, bob } = await connectedPair(browser, baseURL!)
  // Alice's phone reports a cellular link (Network Information API), from the next load on.
  await alice.page.addInitScript(() => {
    const connection = Object.assign(new EventTarget(), { type: 'cellular' })
    Object.defineProperty(navigator, 'connection', { get: () => connection })
  })
  await alice.page.reload()
  const mobile = alice.page.getByRole('switch', { name: 'Share files on mobile data' })
  await expect(mobile).not.toBeChecked()
  await expect(alice.page.getByText('On mobile data: sharing files is paused.')).toBeVisible()
  await expectState(alice.page, 'Bob', 'connected')

  const file = await randomFile('mobile.bin', 2 * MB)
  await shareWith(alice.page, 'Bob', file)
  await startDownload(bob.page, 'Alice', file.name)
  await expect(fileCard(bob.page, file.name)).toContainText('0 peers')
  await bob.page.waitForTimeout(2_000)
  expect(await percentOf(bob.page, file.name)).toBe(0)

  await mobile.check()
  await expectComplete(bob.page, file.name, 30_000)
  await expectSavedEqual(bob.page, file)
  await closeAll(alice, bob)
})

test('bad files get clear messages and lose nothing: empty, a 300-character name, the same file twice', async ({
  browser,
  baseURL,
}) => {
  const { alice, bob } = await connectedPair(browser, baseURL!)
  await contactItem(alice.page, 'Bob').click()
  const input = conversation(alice.page).getByLabel('Share file')

  await input.setInputFiles({ name: 'empty.txt', mimeType: 'text/plain', buffer: Buffer.alloc(0) })
  await expect(alice.page.getByRole('alert')).toContainText('empty')

  const long = `${'n'.repeat(296)}.txt`
  await input.setInputFiles({
    name: long,
    mimeType: 'text/plain',
    buffer: Buffer.from('long name'),
  })
  const short = `${'n'.repeat(251)}.txt`
  await startDownload(bob.page, 'Alice', short)
  await expectComplete(bob.page, short)

  const twice = await randomFile('twice.bin', 100_000)
  await shareWith(alice.page, 'Bob', twice)
  await conversation(alice.page).getByLabel('Share file').setInputFiles(twice.path)
  await expect(
    alice.page.getByRole('list', { name: 'Transfers' }).getByRole('listitem'),
  ).toHaveCount(2)
  await expect(fileCard(alice.page, twice.name)).toHaveCount(1)
  // Chat still works after all of it.
  await send(alice.page, 'Bob', 'still here')
  await expect(message(bob.page, 'still here')).toBeVisible()
  await closeAll(alice, bob)
})

test('storage full: the download stops with a clear message, chat goes on, and it resumes once there is room', async ({
  browser,
  baseURL,
}) => {
  const { alice, bob } = await connectedPair(browser, baseURL!)
  const file = await randomFile('toobig.bin', 12 * MB)
  await shareWith(alice.page, 'Bob', file)

  // Bob's browser gives this origin 4 MB (Chromium DevTools protocol), as a full phone would.
  const cdp = await bob.context.newCDPSession(bob.page)
  await cdp.send('Storage.overrideQuotaForOrigin', { origin: baseURL!, quotaSize: 4_000_000 })
  await contactItem(bob.page, 'Alice').click()
  const download = conversation(bob.page).getByRole('button', { name: `Download ${file.name}` })
  await download.click()
  await expect(bob.page.getByRole('alert')).toContainText('storage full', { timeout: 60_000 })
  await send(bob.page, 'Alice', 'my phone is full')
  await expect(message(alice.page, 'my phone is full')).toBeVisible()

  await cdp.send('Storage.overrideQuotaForOrigin', { origin: baseURL! })
  await download.click()
  await expectComplete(bob.page, file.name)
  await expectSavedEqual(bob.page, file)
  await closeAll(alice, bob)
})

test('images preview and video plays from the download through the service worker', async ({
  browser,
  baseURL,
}) => {
  const { alice, bob } = await connectedPair(browser, baseURL!)
  // The app's service worker must control Bob's page for streaming: it does from the next load.
  await bob.page.reload()
  await expectState(bob.page, 'Alice', 'connected')
  await contactItem(alice.page, 'Bob').click()
  const input = conversation(alice.page).getByLabel('Share file')

  // A real image and a real WebM video, made by Alice's browser (canvas, MediaRecorder).
  const media = await alice.page.evaluate(async () => {
    const canvas = Object.assign(document.createElement('canvas'), { width: 160, height: 120 })
    const g = canvas.getContext('2d')!
    g.fillStyle = '#0f766e'
    g.fillRect(0, 0, 160, 120)
    const png = await new Promise<Blob>((r) => canvas.toBlob((b) => r(b!), 'image/png'))
    const recorder = new MediaRecorder(canvas.captureStream(25), { mimeType: 'video/webm' })
    const parts: Blob[] = []
    recorder.ondataavailable = (e) => parts.push(e.data)
    const stopped = new Promise((r) => (recorder.onstop = r))
    recorder.start(100)
    for (let i = 0; i < 20; i++) {
      g.fillStyle = `hsl(${i * 18} 60% 50%)`
      g.fillRect(0, 0, 160, 120)
      await new Promise((r) => setTimeout(r, 50))
    }
    recorder.stop()
    await stopped
    const b64 = async (b: Blob): Promise<string> => {
      const bytes = new Uint8Array(await b.arrayBuffer())
      let s = ''
      for (const x of bytes) s += String.fromCharCode(x)
      return btoa(s)
    }
    return { png: await b64(png), webm: await b64(new Blob(parts)) }
  })
  await input.setInputFiles({
    name: 'square.png',
    mimeType: 'image/png',
    buffer: Buffer.from(media.png, 'base64'),
  })
  await input.setInputFiles({
    name: 'clip.webm',
    mimeType: 'video/webm',
    buffer: Buffer.from(media.webm, 'base64'),
  })

  await contactItem(bob.page, 'Alice').click()
  const bobView = conversation(bob.page)
  await bobView.getByRole('button', { name: 'Download square.png' }).click()
  const image = bobView.getByRole('img', { name: 'square.png preview' })
  await expect(image).toBeVisible({ timeout: 20_000 })
  expect(await image.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(160)

  await bobView.getByRole('button', { name: 'Download clip.webm' }).click()
  const video = bobView.locator('video[aria-label="Play clip.webm"]')
  await expect(video).toHaveAttribute('src', /^\/webtorrent\//, { timeout: 20_000 })
  await expect
    .poll(() => video.evaluate((v: HTMLVideoElement) => v.readyState), { timeout: 20_000 })
    .toBeGreaterThanOrEqual(1)
  expect(await video.evaluate((v: HTMLVideoElement) => v.videoWidth)).toBe(160)
  await closeAll(alice, bob)
})

test('a share that fills the disk fails clearly and leaves nothing behind that blocks the next one', async ({
  browser,
  baseURL,
}) => {
  const { alice, bob } = await connectedPair(browser, baseURL!)
  const cdp = await alice.context.newCDPSession(alice.page)
  await cdp.send('Storage.overrideQuotaForOrigin', { origin: baseURL!, quotaSize: 6_000_000 })
  await contactItem(alice.page, 'Bob').click()
  const big = await randomFile('big.bin', 12 * MB)
  await conversation(alice.page).getByLabel('Share file').setInputFiles(big.path)
  await expect(alice.page.getByRole('alert')).toContainText('storage full', { timeout: 60_000 })
  await alice.page.getByRole('button', { name: 'Dismiss' }).click()

  // The pieces the failed share wrote are freed: a file that fits can still be shared.
  const small = await randomFile('small.bin', 2 * MB)
  await shareWith(alice.page, 'Bob', small)
  await startDownload(bob.page, 'Alice', small.name)
  await expectComplete(bob.page, small.name, 60_000)
  await expectSavedEqual(bob.page, small)
  await expect(fileCard(alice.page, big.name)).toHaveCount(0)
  await closeAll(alice, bob)
})

test('Transfers: per-file seeding, copying the magnet link, removing a file', async ({
  browser,
  baseURL,
}) => {
  const { alice, bob } = await connectedPair(browser, baseURL!)
  await alice.context.grantPermissions(['clipboard-read', 'clipboard-write'])
  const file = await randomFile('toggle.bin', 3 * MB)
  await shareWith(alice.page, 'Bob', file)
  const transfers = alice.page.getByRole('list', { name: 'Transfers' })
  const seed = transfers.getByRole('checkbox', { name: `Seed ${file.name}` })
  await expect(seed).toBeChecked()
  await seed.uncheck()
  await expect(seed).not.toBeChecked()

  // Seeding off: Bob asks, Alice refuses.
  await startDownload(bob.page, 'Alice', file.name)
  await expect(fileCard(bob.page, file.name)).toContainText('0 peers')
  await bob.page.waitForTimeout(2_000)
  expect(await percentOf(bob.page, file.name)).toBe(0)
  await seed.check()
  await expectComplete(bob.page, file.name, 30_000)

  await transfers.getByRole('button', { name: `Copy file link of ${file.name}` }).click()
  const magnet = await alice.page.evaluate(() => navigator.clipboard.readText())
  expect(magnet).toMatch(/^magnet:\?xt=urn:btih:[0-9a-f]{40}&dn=toggle\.bin&xl=3145728$/)

  await transfers.getByRole('button', { name: `Remove ${file.name}` }).click()
  await expect(alice.page.getByText('Files you share or receive show here.')).toBeVisible()
  // Bob's copy is his own: still complete and savable.
  await expectSavedEqual(bob.page, file)
  await closeAll(alice, bob)
})

test('the sender goes away mid-transfer and comes back after a reload: the download finishes by itself', async ({
  browser,
  baseURL,
}) => {
  const { alice, bob } = await connectedPair(browser, baseURL!)
  const file = await randomFile('comeback.bin', 30 * MB)
  await shareWith(alice.page, 'Bob', file)
  await startDownload(bob.page, 'Alice', file.name)
  await expect
    .poll(() => percentOf(bob.page, file.name), { timeout: 60_000, intervals: [50] })
    .toBeGreaterThan(30)

  // Alice's tab closes and reopens: her shared file comes back from her own storage.
  await alice.page.reload()
  expect(await percentOf(bob.page, file.name)).toBeLessThan(100)
  await expectComplete(bob.page, file.name)
  await expectSavedEqual(bob.page, file)
  const row = alice.page.getByRole('list', { name: 'Transfers' }).getByRole('listitem', {
    name: file.name,
  })
  await expect(row).toContainText('seeding')
  await closeAll(alice, bob)
})
