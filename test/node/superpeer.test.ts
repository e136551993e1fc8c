import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import WebTorrent from 'webtorrent'
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createPeerFile } from '../../src/openpeer/identity/peer-file.ts'
import {
  createMemoryStores,
  createMemoryTorrentPorts,
  isOpenPeerError,
  type StoredIdentity,
} from '../../src/openpeer/index.ts'
import { openDiskStores } from '../../superpeer/disk.ts'
import { startSuperPeer, type SuperPeer } from '../../superpeer/host.ts'
import { makeClient, resumedClient, startFinder, until } from './harness.ts'
import { befriend, idOf, sha256, sha256Of } from './torrent-harness.ts'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'superpeer-'))
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** An identity whose keys may move (what a device link hands over), as the owner's device made it. */
async function movableIdentity(name: string, domain: string): Promise<StoredIdentity> {
  const alg = (n: 'ECDSA' | 'ECDH') => ({ name: n, namedCurve: 'P-256' })
  const keys = {
    sign: await crypto.subtle.generateKey(alg('ECDSA'), true, ['sign', 'verify']),
    box: await crypto.subtle.generateKey(alg('ECDH'), true, ['deriveBits']),
  }
  const peer = await createPeerFile(keys, { domain, name })
  return {
    keys,
    file: peer.file as StoredIdentity['file'],
    contactId: peer.contactId,
    uri: peer.uri,
    locationId: 'superpeer-1',
    locationLabel: 'home server',
  }
}

async function superPeer(data: string, lines: string[] = []): Promise<SuperPeer> {
  const sp = await startSuperPeer({ data, log: (l) => lines.push(l) })
  cleanups.push(() => sp.stop())
  return sp
}

describe('linking a super-peer to its owner', () => {
  it('joins by a device link the owner approves, holds mail while she is away, and hands it to her when she is back', async () => {
    const { server, domain } = await startFinder()
    cleanups.push(() => server.close())
    const aliceStores = createMemoryStores()
    const alice = await makeClient('Alice', domain, aliceStores)
    const linker = await alice.linkDevice({ origin: 'http://app.test' })
    cleanups.push(() => linker.stop())
    const asked = new Promise<{ id: string; code: string }>((r) => linker.on('pending', r))

    const lines: string[] = []
    const data = dataDir()
    const joining = startSuperPeer({
      data,
      link: linker.link,
      name: 'home server',
      log: (l) => lines.push(l),
    })
    const pending = await asked
    // The super-peer printed the same code the owner's device shows: she compares, approves.
    await vi.waitFor(() => expect(lines.join('\n')).toContain(`code ${pending.code}:`))
    await linker.approve(pending.id)
    const sp = await joining
    cleanups.push(() => sp.stop())
    expect(sp.client.identity()?.contactId).toBe(alice.identity()!.contactId)
    expect(statSync(join(data, 'identity.json')).mode & 0o777).toBe(0o600)
    await until(sp.client, 'finder:state', (e) => e.state === 'online')

    // Her phone goes away; Bob opens her invite and reaches the super-peer.
    const invite = alice.inviteLink('http://app.test')
    await alice.stop()
    const bob = await makeClient('Bob', domain)
    cleanups.push(() => bob.stop())
    await bob.acceptInvite(invite)
    const delivered = until(bob, 'message:state', (s) => s.state === 'delivered')
    const sent = await bob.sendMessage(alice.identity()!.contactId, 'are you there?')
    expect((await delivered).msgId).toBe(sent.msgId)
    expect(lines.some((l) => l.startsWith('message held from Bob'))).toBe(true)

    // She comes back: the message reaches her from her super-peer.
    const back = await resumedClient('Alice', domain, aliceStores)
    cleanups.push(() => back.stop())
    const got = await until(back, 'message:received', (m) => m.msgId === sent.msgId, 30_000)
    expect(got.body).toBe('are you there?')

    // A second link into the same directory is refused, nothing changed.
    const again = await startSuperPeer({ data, link: linker.link, log: () => {} }).catch((e) => e)
    expect(isOpenPeerError(again, 'ERR_CONFLICT')).toBe(true)
  })
})

describe('keeping a file available', () => {
  it('"Keep available": the super-peer fetches the file from her device, and Bob downloads it from there when she is gone', async () => {
    const { server, domain } = await startFinder()
    cleanups.push(() => server.close())
    const alice = await makeClient('Alice', domain, { torrents: createMemoryTorrentPorts() })
    const bob = await makeClient('Bob', domain, { torrents: createMemoryTorrentPorts() })
    cleanups.push(
      () => alice.stop(),
      () => bob.stop(),
    )
    await befriend(alice, bob)

    // Nothing always-on yet: it says so.
    const file = randomBytes(6 * 1024 * 1024)
    const card = until(bob, 'torrent:offer')
    const info = await alice.torrents!.share(file, { name: 'holiday.mp4' })
    await alice.torrents!.offer(idOf(bob), info.infoHash)
    await card
    const none = await alice.keepAvailable(info.infoHash).catch((e) => e)
    expect(isOpenPeerError(none, 'ERR_UNAVAILABLE')).toBe(true)

    const linker = await alice.linkDevice({ origin: 'http://app.test' })
    cleanups.push(() => linker.stop())
    const asked = new Promise<{ id: string }>((r) => linker.on('pending', r))
    const joining = startSuperPeer({ data: dataDir(), link: linker.link, btPort: 0, log: () => {} })
    const online = until(alice, 'device:state', (d) => d.state === 'online', 30_000)
    await linker.approve((await asked).id)
    const sp = await joining
    cleanups.push(() => sp.stop())
    await online

    const kept = until(sp.client, 'torrent:done', (v) => v.infoHash === info.infoHash, 60_000)
    expect(await alice.keepAvailable(info.infoHash, { public: true })).toEqual({ kept: 1 })
    expect((await kept).public).toBe(true)
    await alice.stop()

    // Bob asks for it with her phone gone: her always-on location has it.
    const done = until(bob, 'torrent:done', (v) => v.infoHash === info.infoHash, 60_000)
    await bob.torrents!.download(info)
    await done
    expect(await sha256Of(bob.torrents!.stream(info.infoHash))).toBe(sha256(file))

    // Made public too: a stock BitTorrent client gets it from the super-peer's port.
    const stock = new (
      WebTorrent as unknown as new (o: object) => {
        add(
          id: string,
          o: object,
        ): {
          done: boolean
          once(e: string, f: () => void): void
          files: { arrayBuffer(): Promise<ArrayBuffer> }[]
        }
        destroy(cb?: () => void): void
      }
    )({ tracker: false, dht: false, lsd: false, utp: false, natUpnp: false, natPmp: false })
    cleanups.push(() => new Promise<void>((r) => stock.destroy(() => r())))
    const t = stock.add(await sp.client.torrents!.publicMagnet(info.infoHash, '127.0.0.1'), {
      announce: [],
      store: createMemoryTorrentPorts().store,
    })
    if (!t.done) await new Promise<void>((r) => t.once('done', r))
    expect(sha256(new Uint8Array(await t.files[0]!.arrayBuffer()))).toBe(sha256(file))
  })
})

describe('the super-peer on its data directory', () => {
  it('holds messages for its owner and keeps them, and its contacts, across a restart', async () => {
    const { server, domain } = await startFinder()
    cleanups.push(() => server.close())
    const data = dataDir()
    const alice = await movableIdentity('Alice', domain)
    await (await openDiskStores(data)).keys.save(alice)
    expect(statSync(join(data, 'identity.json')).mode & 0o777).toBe(0o600)

    const lines: string[] = []
    const first = await superPeer(data, lines)
    await until(first.client, 'finder:state', (e) => e.state === 'online')
    const bob = await makeClient('Bob', domain)
    cleanups.push(() => bob.stop())
    const held = until(first.client, 'message:received')
    await bob.acceptInvite(first.client.inviteLink('http://app.test'))
    const delivered = until(bob, 'message:state', (s) => s.state === 'delivered')
    const sent = await bob.sendMessage(alice.contactId, 'for Alice, while her phone sleeps')
    expect((await held).body).toBe('for Alice, while her phone sleeps')
    expect((await delivered).msgId).toBe(sent.msgId)
    expect(lines.some((l) => l.startsWith('message held from Bob'))).toBe(true)
    // The log names who, never what: message text is private.
    expect(lines.join('\n')).not.toContain('phone sleeps')
    await first.stop()

    const again = await superPeer(data)
    expect(again.client.identity()?.contactId).toBe(alice.contactId)
    expect(again.client.contacts().map((c) => c.name)).toEqual(['Bob'])
    await until(again.client, 'finder:state', (e) => e.state === 'online')
    const second = until(again.client, 'message:received')
    // Bob finds the restarted location again by himself, and what he writes next is held too.
    await bob.sendMessage(alice.contactId, 'and one more')
    expect((await second).body).toBe('and one more')
  })

  it('serves its public files over HTTP as a web seed, a download needing no peer; nothing else', async () => {
    const { server, domain } = await startFinder()
    cleanups.push(() => server.close())
    const data = dataDir()
    await (await openDiskStores(data)).keys.save(await movableIdentity('Alice', domain))
    const sp = await startSuperPeer({
      data,
      btPort: 0,
      httpPort: 0,
      host: '127.0.0.1',
      log: () => {},
    })
    cleanups.push(() => sp.stop())
    const torrents = sp.client.torrents!
    const album = randomBytes(2 * 1024 * 1024 + 7)
    const shown = await torrents.share(album, { name: 'album.flac' })
    const hidden = await torrents.share(randomBytes(50_000), { name: 'diary.txt' })
    await torrents.setPublic(shown.infoHash, true)
    const magnet = await torrents.publicMagnet(shown.infoHash, '127.0.0.1', {
      webSeedBase: sp.webSeed,
    })

    // Someone who is no contact of Alice's: the web seed is the only way in for them.
    const carol = await makeClient('Carol', domain, { torrents: createMemoryTorrentPorts() })
    cleanups.push(() => carol.stop())
    const done = until(carol, 'torrent:done', (v) => v.infoHash === shown.infoHash)
    await carol.torrents!.download(magnet)
    await done
    expect(await sha256Of(carol.torrents!.stream(shown.infoHash))).toBe(sha256(album))

    const ranged = await fetch(`${sp.webSeed}/files/${shown.infoHash}/album.flac`, {
      headers: { range: 'bytes=100-199' },
    })
    expect(ranged.status).toBe(206)
    expect(Buffer.from(await ranged.arrayBuffer())).toEqual(album.subarray(100, 200))
    for (const path of [
      `/files/${hidden.infoHash}/diary.txt`,
      `/torrents/${hidden.infoHash}.torrent`,
    ]) {
      expect((await fetch(`${sp.webSeed}${path}`)).status).toBe(404)
    }
  })

  it('refuses a directory that is corrupt or holds another identity, and changes nothing', async () => {
    const { server, domain } = await startFinder()
    cleanups.push(() => server.close())
    const corrupt = dataDir()
    writeFileSync(join(corrupt, 'contacts.json'), '{ not json')
    const err = await startSuperPeer({ data: corrupt, log: () => {} }).catch((e) => e)
    expect(isOpenPeerError(err, 'ERR_STORAGE')).toBe(true)
    expect(err.message).toContain(join(corrupt, 'contacts.json'))
    expect(readFileSync(join(corrupt, 'contacts.json'), 'utf8')).toBe('{ not json')

    const empty = dataDir()
    const none = await startSuperPeer({ data: empty, log: () => {} }).catch((e) => e)
    expect(isOpenPeerError(none, 'ERR_NOT_FOUND')).toBe(true)

    const owned = dataDir()
    await (await openDiskStores(owned)).keys.save(await movableIdentity('Alice', domain))
    const before = readFileSync(join(owned, 'identity.json'), 'utf8')
    const other = await (
      await openDiskStores(owned)
    ).keys
      .save(await movableIdentity('Mallory', domain))
      .catch((e) => e)
    expect(isOpenPeerError(other, 'ERR_CONFLICT')).toBe(true)
    expect(readFileSync(join(owned, 'identity.json'), 'utf8')).toBe(before)
  })

  it('npm run superpeer: says what is missing, prints who it is, and stops cleanly on SIGTERM', async () => {
    const { server, domain } = await startFinder()
    cleanups.push(() => server.close())
    const run = (args: string[]) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'superpeer/main.ts', ...args], {
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let out = ''
      child.stdout.on('data', (c: Buffer) => (out += c.toString()))
      child.stderr.on('data', (c: Buffer) => (out += c.toString()))
      cleanups.push(() => void child.kill('SIGKILL'))
      const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)))
      return { child, output: () => out, exited }
    }
    const empty = run(['--data', dataDir()])
    expect(await empty.exited).toBe(2)
    expect(empty.output()).toMatch(/holds no identity.*--link/)

    const data = dataDir()
    await (await openDiskStores(data)).keys.save(await movableIdentity('Alice', domain))
    const sp = run(['--data', data, '--origin', `http://${domain}`, '--bt-port', '0'])
    const online = async (): Promise<void> => {
      for (let i = 0; i < 200 && !/: online/.test(sp.output()); i++) {
        await new Promise((r) => setTimeout(r, 50))
      }
    }
    await online()
    expect(sp.output()).toMatch(/^super-peer of Alice \(peer:\/\//m)
    expect(sp.output()).toMatch(/finder .*: online/)
    sp.child.kill('SIGTERM')
    expect(await sp.exited).toBe(0)
    expect(sp.output()).toMatch(/stopped\s*$/)
  })
})
