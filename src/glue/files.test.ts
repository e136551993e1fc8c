import { beforeEach, describe, expect, it, vi } from 'vitest'
import { OpenPeerError } from '../openpeer/index.ts'
import { usePrefs } from '../state/prefs.ts'
import { useThreads } from '../state/threads.ts'
import { useTransfers } from '../state/transfers.ts'
import { useUi } from '../state/ui.ts'
import { BOB, fileInfo, viewOf } from './fake-client.ts'
import { resetStores, startApp } from './test-rig.ts'

beforeEach(() => {
  resetStores()
  vi.spyOn(console, 'warn').mockImplementation(() => {})
})

const bob = BOB.contactId
const thread = () => useThreads.getState().byContact[bob] ?? []
const picked = (name: string) => new File(['abc'], name, { type: 'text/plain' })

describe('files glue', () => {
  it('an offered file becomes a card in the conversation and the history', async () => {
    const rig = await startApp()
    const file = fileInfo(7)
    rig.client.emit('torrent:offer', { contactId: bob, ...file })
    expect(thread()).toMatchObject([
      {
        msgId: `file:${file.infoHash}`,
        direction: 'in',
        body: file.name,
        state: 'delivered',
        file,
      },
    ])
    await vi.waitFor(async () => expect((await rig.stores.history.all())[bob]).toHaveLength(1))
  })

  it('shared files are seeded, shown as cards and offered to the contact', async () => {
    const rig = await startApp()
    await rig.app.actions.shareFiles(bob, [picked('a.txt'), picked('b.txt')])
    expect(thread().map((m) => [m.body, m.direction, m.state])).toEqual([
      ['a.txt', 'out', 'sent'],
      ['b.txt', 'out', 'sent'],
    ])
    expect(rig.client.torrents?.offered.map((o) => o.contactId)).toEqual([bob, bob])
    expect(Object.values(useTransfers.getState().byHash).map((v) => v.name)).toEqual([
      'a.txt',
      'b.txt',
    ])
  })

  it('shares wait until the stored files are loaded (and their orphaned pieces swept)', async () => {
    let loaded!: () => void
    const rig = await startApp({
      before: ({ client }) => {
        client.torrents!.start = () => new Promise<void>((resolve) => (loaded = resolve))
      },
    })
    const sharing = rig.app.actions.shareFiles(bob, [picked('a.txt')])
    await new Promise((resolve) => setTimeout(resolve, 0))
    expect(rig.client.torrents?.offered).toEqual([])
    loaded()
    await sharing
    expect(rig.stores.swept).toBe(1)
    expect(rig.client.torrents?.offered).toHaveLength(1)
  })

  it('a share that fails on storage says so and frees orphaned pieces', async () => {
    const rig = await startApp()
    await vi.waitFor(() => expect(rig.stores.swept).toBe(1)) // the sweep at start
    rig.client.torrents!.shareError = new OpenPeerError('ERR_STORAGE', 'disk full')
    await rig.app.actions.shareFiles(bob, [picked('big.bin')])
    expect(useUi.getState().error).toMatchObject({ code: 'ERR_STORAGE', during: 'sharing big.bin' })
    expect(rig.stores.swept).toBe(2)
    expect(thread()).toEqual([])
  })

  it('stored files show after start; progress and completion update them', async () => {
    const file = fileInfo(3)
    const rig = await startApp({
      before: ({ client }) => void client.torrents!.views.set(file.infoHash, viewOf(file)),
    })
    await vi.waitFor(() => expect(useTransfers.getState().byHash[file.infoHash]).toBeDefined())

    const received = viewOf(fileInfo(4), { origin: 'received', done: false, progress: 0.5 })
    rig.client.emit('torrent:progress', received)
    expect(useTransfers.getState().byHash[received.infoHash]?.progress).toBe(0.5)
    rig.client.emit('torrent:done', { ...received, done: true, progress: 1 })
    expect(useUi.getState().notice).toBe(`${received.name} is ready`)
  })

  it('a fatal transfer error goes to the alert; others are notices', async () => {
    const rig = await startApp()
    const file = fileInfo(5)
    rig.client.emit('torrent:progress', viewOf(file, { origin: 'received' }))
    rig.client.emit('torrent:error', {
      infoHash: file.infoHash,
      error: new OpenPeerError('ERR_BAD_PIECE', 'a peer sent a bad piece'),
      fatal: false,
    })
    expect(useUi.getState()).toMatchObject({
      notice: `${file.name}: a peer sent a bad piece`,
      error: null,
    })
    rig.client.emit('torrent:error', {
      infoHash: file.infoHash,
      error: new OpenPeerError('ERR_STORAGE', 'quota'),
      fatal: true,
    })
    expect(useUi.getState().error).toMatchObject({
      code: 'ERR_STORAGE',
      during: `transferring ${file.name}`,
    })
  })

  it('on mobile data seeding pauses until "Seed on mobile data" is switched on, which is saved', async () => {
    const rig = await startApp()
    const files = rig.client.torrents!
    expect(files.serving).toBe(true)

    rig.page.connection.type = 'cellular'
    rig.page.connection.fire('change')
    expect(usePrefs.getState().cellular).toBe(true)
    expect(files.serving).toBe(false)

    rig.app.actions.setSeedOnMobileData(true)
    expect(files.serving).toBe(true)
    expect(rig.stores.saved).toEqual([
      { seedOnMobileData: true, hideIp: false, acceptIntroductions: true, theme: 'system' },
    ])

    rig.app.actions.setSeedOnMobileData(false)
    rig.page.connection.type = 'wifi'
    rig.page.connection.fire('change')
    expect(files.serving).toBe(true)
  })

  it('the saved choice is read at start: allowed on mobile data, seeding goes on', async () => {
    const rig = await startApp({
      before: ({ stores, page }) => {
        stores.saved.push({ seedOnMobileData: true, hideIp: false, acceptIntroductions: true })
        page.connection.type = 'cellular'
      },
    })
    expect(usePrefs.getState()).toEqual({
      seedOnMobileData: true,
      cellular: true,
      hideIp: false,
      acceptIntroductions: true,
      theme: 'system',
    })
    expect(rig.client.torrents!.serving).toBe(true)
  })

  it('per-file seeding shows the choice at once; removing forgets the file', async () => {
    const file = fileInfo(6)
    const rig = await startApp({
      before: ({ client }) => void client.torrents!.views.set(file.infoHash, viewOf(file)),
    })
    await vi.waitFor(() => expect(useTransfers.getState().byHash[file.infoHash]).toBeDefined())
    const switching = rig.app.actions.setFileSeeding(file.infoHash, false)
    expect(useTransfers.getState().byHash[file.infoHash]?.seeding).toBe(false)
    await switching
    expect(rig.client.torrents!.get(file.infoHash)?.seeding).toBe(false)

    await rig.app.actions.copyMagnet(file.infoHash)
    expect(rig.page.copied).toEqual([file.magnet])
    expect(useUi.getState().notice).toBe('Magnet link copied')

    await rig.app.actions.removeFile(file.infoHash)
    expect(useTransfers.getState().byHash[file.infoHash]).toBeUndefined()
  })

  it('a web seed is added to the card and its magnet link; a bad address says why, changing nothing', async () => {
    const file = fileInfo(7)
    const rig = await startApp({
      before: ({ client }) => void client.torrents!.views.set(file.infoHash, viewOf(file)),
    })
    await vi.waitFor(() => expect(useTransfers.getState().byHash[file.infoHash]).toBeDefined())
    expect(await rig.app.actions.addWebSeed(file.infoHash, 'ftp://example.org/a')).toBe(false)
    expect(useUi.getState().error).toMatchObject({
      code: 'ERR_WEB_SEED',
      during: 'adding the web seed',
    })
    expect(useTransfers.getState().byHash[file.infoHash]?.magnet).toBe(file.magnet)

    const url = 'https://gateway.example.org/ipfs/bafy/file-7.txt'
    expect(await rig.app.actions.addWebSeed(file.infoHash, url)).toBe(true)
    expect(useTransfers.getState().byHash[file.infoHash]?.magnet).toContain(
      `ws=${encodeURIComponent(url)}`,
    )
    expect(useUi.getState().notice).toBe('Web seed added to file-7.txt')
  })

  it('"Keep available" asks the always-on devices; with none online it says so', async () => {
    const file = fileInfo(8)
    const rig = await startApp({
      before: ({ client }) => void client.torrents!.views.set(file.infoHash, viewOf(file)),
    })
    await vi.waitFor(() => expect(useTransfers.getState().byHash[file.infoHash]).toBeDefined())
    await rig.app.actions.keepAvailable(file.infoHash)
    expect(useUi.getState().error).toMatchObject({
      code: 'ERR_UNAVAILABLE',
      during: 'keeping file-8.txt available',
    })
    rig.client.alwaysOn = 1
    await rig.app.actions.keepAvailable(file.infoHash)
    expect(rig.client.keptAvailable).toEqual([file.infoHash])
    expect(useUi.getState().notice).toBe('Your always-on device keeps file-8.txt available')
    await rig.app.actions.keepAvailable(file.infoHash, { public: true })
    expect(rig.client.madePublic).toEqual([file.infoHash])
    expect(useUi.getState().notice).toBe(
      'Your always-on device keeps file-8.txt available to anyone with its link',
    )
  })

  it('audio and video stream only where a service worker controls the page', async () => {
    const rig = await startApp()
    const file = fileInfo(8)
    rig.client.emit('torrent:progress', viewOf(file))
    expect(await rig.app.actions.streamFile(file.infoHash)).toBeUndefined()
    rig.page.navigator = {
      ...rig.page.navigator,
      serviceWorker: { controller: {}, ready: Promise.resolve({}) },
    }
    expect(await rig.app.actions.streamFile(file.infoHash)).toBe(`/webtorrent/${file.infoHash}`)
  })
})
