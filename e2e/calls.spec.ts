import { expect, test, type Browser, type Page } from '@playwright/test'
import {
  closeAll,
  connect,
  contactItem,
  conversation,
  expectState,
  finderStatus,
  newUser,
  OwnFinder,
  type User,
} from './helpers.ts'
import {
  expectComplete,
  expectSavedEqual,
  fileCard,
  percentOf,
  randomFile,
  shareWith,
} from './files.ts'

/*
 * Calls in Chromium with its fake camera and microphone (scripts/chromium-args.ts): a moving
 * test pattern and a beeping tone. What is checked is what a person would notice: the other
 * side's video plays (frames decoded on the element labelled "Remote video") and their sound
 * arrives (inbound audio bytes and energy in the connection's stats).
 */

// A finder of this file's own, to kill before a call; beside finder-outage.spec.ts's (+1).
const finder = new OwnFinder(
  Number(process.env.E2E_CALLS_PORT ?? Number(process.env.E2E_PORT ?? 10543) + 2),
)
test.afterAll(async () => {
  await finder.kill()
})

// The app exposes nothing for tests: this init script (the test's, not the app's) keeps each
// RTCPeerConnection the page makes, so the test can read its inbound audio stats.
function keepPeerConnections(): void {
  const Original = window.RTCPeerConnection
  const all: RTCPeerConnection[] = []
  ;(window as unknown as { __pcs: RTCPeerConnection[] }).__pcs = all
  window.RTCPeerConnection = class extends Original {
    constructor(config?: RTCConfiguration) {
      super(config)
      all.push(this)
    }
  }
}

/** A device without a camera: asking for video fails as Chromium fails with none plugged in. */
function noCamera(): void {
  const devices = navigator.mediaDevices
  const original = devices.getUserMedia.bind(devices)
  devices.getUserMedia = (constraints) =>
    constraints?.video
      ? Promise.reject(new DOMException('Requested device not found', 'NotFoundError'))
      : original(constraints)
}

const user = (
  browser: Browser,
  baseURL: string,
  name: string,
  more: (() => void)[] = [],
): Promise<User> => newUser(browser, baseURL, name, { init: [keepPeerConnections, ...more] })

async function pair(browser: Browser, baseURL: string): Promise<{ alice: User; bob: User }> {
  const alice = await user(browser, baseURL, 'Alice')
  const bob = await user(browser, baseURL, 'Bob')
  await connect(alice, bob)
  return { alice, bob }
}

const callRegion = (page: Page) => page.getByRole('region', { name: 'Call' })
const incoming = (page: Page) => page.getByRole('dialog', { name: 'Incoming call' })
const remoteVideo = (page: Page) => page.getByLabel('Remote video')
const notices = (page: Page) => page.locator('.notices')

/** Frames the "Remote video" element has decoded so far. */
async function framesDecoded(page: Page): Promise<number> {
  return remoteVideo(page).evaluate(
    (el) => (el as HTMLVideoElement).getVideoPlaybackQuality().totalVideoFrames,
  )
}

/** Inbound audio over every connection of the page: bytes and energy (the beeps) received. */
async function inboundAudio(page: Page): Promise<{ bytes: number; energy: number }> {
  // Contexts made before the init script (none here) would have no __pcs: read it defensively.
  return page.evaluate(async () => {
    const pcs = (window as unknown as { __pcs?: RTCPeerConnection[] }).__pcs ?? []
    let bytes = 0
    let energy = 0
    for (const pc of pcs) {
      if (pc.connectionState === 'closed') continue
      const stats = await pc.getStats()
      stats.forEach(
        (s: { type: string; kind?: string; bytesReceived?: number; totalAudioEnergy?: number }) => {
          if (s.type !== 'inbound-rtp' || s.kind !== 'audio') return
          bytes += s.bytesReceived ?? 0
          energy += s.totalAudioEnergy ?? 0
        },
      )
    }
    return { bytes, energy }
  })
}

/** Both sides see and hear each other: remote frames and inbound audio keep rising. */
async function expectMediaFlowing(...pages: Page[]): Promise<void> {
  for (const page of pages) {
    await expect.poll(() => framesDecoded(page), { timeout: 20_000 }).toBeGreaterThan(5)
    const frames = await framesDecoded(page)
    await expect.poll(() => framesDecoded(page), { timeout: 10_000 }).toBeGreaterThan(frames)
    await expect
      .poll(async () => (await inboundAudio(page)).bytes, { timeout: 20_000 })
      .toBeGreaterThan(0)
    const before = await inboundAudio(page)
    await expect
      .poll(
        async () => {
          const now = await inboundAudio(page)
          return now.bytes > before.bytes && now.energy > before.energy
        },
        { timeout: 10_000 },
      )
      .toBe(true)
  }
}

async function startCall(caller: User, callee: string, kind: 'Call' | 'Video call'): Promise<void> {
  await contactItem(caller.page, callee).click()
  await conversation(caller.page).getByRole('button', { name: kind, exact: true }).click()
  await expect(callRegion(caller.page)).toBeVisible()
}

async function acceptCall(callee: User): Promise<void> {
  await expect(incoming(callee.page)).toBeVisible({ timeout: 15_000 })
  await incoming(callee.page).getByRole('button', { name: 'Accept' }).click()
  await expect(incoming(callee.page)).toBeHidden()
  // The duration shows once the media is negotiated.
  await expect(callRegion(callee.page).getByRole('timer', { name: 'Call duration' })).toBeVisible({
    timeout: 20_000,
  })
}

async function expectEnded(...pages: Page[]): Promise<void> {
  for (const page of pages) await expect(callRegion(page)).toBeHidden({ timeout: 15_000 })
}

test('a video call: each side sees and hears the other; mute and camera off; the caller hangs up', async ({
  browser,
  baseURL,
}) => {
  const { alice, bob } = await pair(browser, baseURL!)
  await startCall(alice, 'Bob', 'Video call')
  await expect(callRegion(alice.page)).toContainText('Ringing')
  await expect(incoming(bob.page)).toContainText('Alice')
  await acceptCall(bob)
  await expect(callRegion(alice.page).getByRole('timer', { name: 'Call duration' })).toBeVisible({
    timeout: 20_000,
  })
  for (const page of [alice.page, bob.page]) {
    await expect(page.getByLabel('Local video')).toBeVisible()
    await expect(remoteVideo(page)).toBeVisible()
  }
  await expectMediaFlowing(alice.page, bob.page)

  const mute = callRegion(bob.page).getByRole('button', { name: 'Mute' })
  await mute.click()
  await expect(mute).toHaveAttribute('aria-pressed', 'true')
  const cameraOff = callRegion(bob.page).getByRole('button', { name: 'Camera off' })
  await cameraOff.click()
  await expect(cameraOff).toHaveAttribute('aria-pressed', 'true')

  await callRegion(alice.page).getByRole('button', { name: 'Hang up' }).click()
  await expectEnded(alice.page, bob.page)
  await expect(notices(bob.page)).toContainText('Alice hung up.')
  // The session the call rode on carries on: both still connected.
  await expectState(alice.page, 'Bob', 'connected')
  await expectState(bob.page, 'Alice', 'connected')

  // A second call on the same connection, the other way round: new tracks, the same link.
  await startCall(bob, 'Alice', 'Video call')
  await acceptCall(alice)
  await expectMediaFlowing(alice.page, bob.page)
  await callRegion(bob.page).getByRole('button', { name: 'Hang up' }).click()
  await expectEnded(alice.page, bob.page)
  await closeAll(alice, bob)
})

test('a call with the finder dead: signalled and carried peer to peer; the callee hangs up', async ({
  browser,
}) => {
  await finder.start()
  const alice = await user(browser, finder.url, 'Alice')
  const bob = await user(browser, finder.url, 'Bob')
  await connect(alice, bob)
  await finder.kill()
  await expect(finderStatus(alice.page)).toContainText('offline')
  await expect(finderStatus(bob.page)).toContainText('offline')

  await startCall(alice, 'Bob', 'Video call')
  await acceptCall(bob)
  await expectMediaFlowing(alice.page, bob.page)
  await callRegion(bob.page).getByRole('button', { name: 'Hang up' }).click()
  await expectEnded(alice.page, bob.page)
  await expect(notices(alice.page)).toContainText('Bob hung up.')
  await closeAll(alice, bob)
})

test('a declined call ends on both sides and tells the caller', async ({ browser, baseURL }) => {
  const { alice, bob } = await pair(browser, baseURL!)
  await startCall(alice, 'Bob', 'Call')
  await expect(incoming(bob.page)).toBeVisible({ timeout: 15_000 })
  await incoming(bob.page).getByRole('button', { name: 'Decline' }).click()
  await expect(incoming(bob.page)).toBeHidden()
  await expectEnded(alice.page)
  await expect(notices(alice.page)).toContainText('Bob declined the call.')
  await closeAll(alice, bob)
})

test('a callee in a call answers busy; an audio call carries sound both ways', async ({
  browser,
  baseURL,
}) => {
  const { alice, bob } = await pair(browser, baseURL!)
  const carol = await user(browser, baseURL!, 'Carol')
  await connect(alice, carol)

  await startCall(alice, 'Bob', 'Call')
  await acceptCall(bob)
  for (const page of [alice.page, bob.page]) {
    await expect
      .poll(async () => (await inboundAudio(page)).energy, { timeout: 20_000 })
      .toBeGreaterThan(0)
  }

  // Busy comes back at once: the ringing panel may come and go before anyone looks.
  await contactItem(carol.page, 'Alice').click()
  await conversation(carol.page).getByRole('button', { name: 'Call', exact: true }).click()
  await expect(notices(carol.page)).toContainText('Alice is busy in another call.')
  await expect(incoming(alice.page)).toBeHidden()
  // Alice's call with Bob goes on.
  await expect(callRegion(alice.page)).toContainText('Bob')
  await callRegion(bob.page).getByRole('button', { name: 'Hang up' }).click()
  await expectEnded(alice.page, bob.page)
  await closeAll(alice, bob, carol)
})

test('a video call with a device that has no camera: its side still sees, the other still hears', async ({
  browser,
  baseURL,
}) => {
  // Alice (the inviter) makes the session's offers: with no camera she must still offer a video
  // m-line for Bob's camera to use.
  const alice = await user(browser, baseURL!, 'Alice', [noCamera])
  const bob = await user(browser, baseURL!, 'Bob')
  await connect(alice, bob)
  await startCall(bob, 'Alice', 'Video call')
  await acceptCall(alice)
  await expect(callRegion(alice.page).getByRole('button', { name: 'Camera off' })).toBeDisabled()
  await expect.poll(() => framesDecoded(alice.page), { timeout: 20_000 }).toBeGreaterThan(5)
  const before = await inboundAudio(bob.page)
  await expect
    .poll(async () => (await inboundAudio(bob.page)).energy, { timeout: 20_000 })
    .toBeGreaterThan(before.energy)
  await callRegion(alice.page).getByRole('button', { name: 'Hang up' }).click()
  await expectEnded(alice.page, bob.page)
  await closeAll(alice, bob)
})

test('a call during a 50 MiB download: the video keeps decoding while the file arrives whole', async ({
  browser,
  baseURL,
}) => {
  test.setTimeout(180_000)
  const { alice, bob } = await pair(browser, baseURL!)
  const file = await randomFile('fifty.bin', 50 * 1024 * 1024)
  await shareWith(alice.page, 'Bob', file)
  await contactItem(bob.page, 'Alice').click()
  await expect(fileCard(bob.page, file.name)).toBeVisible()

  await startCall(alice, 'Bob', 'Video call')
  await acceptCall(bob)
  await expectMediaFlowing(alice.page, bob.page)

  // Every half second of the download, both remote videos must have decoded new frames.
  await conversation(bob.page)
    .getByRole('button', { name: `Download ${file.name}` })
    .click()
  const started = Date.now()
  let windows = 0
  let frames = await Promise.all([framesDecoded(alice.page), framesDecoded(bob.page)])
  while ((await percentOf(bob.page, file.name)) < 100 && Date.now() - started < 120_000) {
    await bob.page.waitForTimeout(500)
    const now = await Promise.all([framesDecoded(alice.page), framesDecoded(bob.page)])
    const percent = await percentOf(bob.page, file.name)
    if (percent >= 100) break
    expect(now[0], `Alice's remote frames at ${percent} %`).toBeGreaterThan(frames[0])
    expect(now[1], `Bob's remote frames at ${percent} %`).toBeGreaterThan(frames[1])
    frames = now
    windows++
  }
  await expectComplete(bob.page, file.name)
  const seconds = (Date.now() - started) / 1000
  // Reported, not judged (timing belongs to bench:call): the download speed during the call.
  test.info().annotations.push({
    type: 'download during call',
    description: `${(file.size / 1e6 / seconds).toFixed(1)} MB/s over ${seconds.toFixed(1)} s (${windows} half-second windows checked)`,
  })
  console.log(
    `[calls.spec] 50 MiB during a video call: ${(file.size / 1e6 / seconds).toFixed(1)} MB/s, ${windows} windows`,
  )
  await expectSavedEqual(bob.page, file)
  await expectMediaFlowing(alice.page, bob.page)
  await callRegion(alice.page).getByRole('button', { name: 'Hang up' }).click()
  await expectEnded(alice.page, bob.page)
  await closeAll(alice, bob)
})

test('an unanswered call rings for 30 s, then ends on both sides', async ({ browser, baseURL }) => {
  test.setTimeout(90_000)
  const { alice, bob } = await pair(browser, baseURL!)
  await startCall(alice, 'Bob', 'Call')
  await expect(incoming(bob.page)).toBeVisible({ timeout: 15_000 })
  const rang = Date.now()
  await expect(callRegion(alice.page)).toBeHidden({ timeout: 40_000 })
  await expect(incoming(bob.page)).toBeHidden({ timeout: 5_000 })
  // Not before the 30 s (slack: Bob's dialog shows a moment after Alice's clock starts).
  expect(Date.now() - rang).toBeGreaterThan(25_000)
  await expect(notices(alice.page)).toContainText('Bob did not answer.')
  await expect(notices(bob.page)).toContainText('Missed call from Alice.')
  await closeAll(alice, bob)
})

// As in network.spec.ts: "Hide my IP address" on a loopback finder without coturn leaves no ICE
// path, and the session runs on the finder's relay tunnel, which carries no media.
test('a contact reached only through the relay tunnel cannot be called: the alert says why', async ({
  browser,
  baseURL,
}) => {
  const alice = await user(browser, baseURL!, 'Alice')
  const bob = await user(browser, baseURL!, 'Bob')
  await alice.page.getByRole('checkbox', { name: 'Hide my IP address' }).check()
  await alice.page.reload()
  await connect(alice, bob)
  await expect(contactItem(bob.page, 'Alice')).toHaveAccessibleName(/connected, tunnel/, {
    timeout: 30_000,
  })
  await contactItem(bob.page, 'Alice').click()
  await conversation(bob.page).getByRole('button', { name: 'Video call', exact: true }).click()
  await expect(bob.page.getByRole('alert')).toContainText('but not calls')
  await expect(callRegion(bob.page)).toBeHidden()
  await expect(incoming(alice.page)).toBeHidden()
  await closeAll(alice, bob)
})
