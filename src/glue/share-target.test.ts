import { beforeEach, describe, expect, it, vi } from 'vitest'
import { SHARE_CACHE, sharedFileUrl, sharedTextUrl } from '../pwa/share-stash.ts'
import { useMobile } from '../state/mobile.ts'
import { useThreads } from '../state/threads.ts'
import { useUi } from '../state/ui.ts'
import { BOB } from './fake-client.ts'
import type { PagePorts } from './ports.ts'
import { sharedWords } from './share-target.ts'
import { resetStores, startApp } from './test-rig.ts'

beforeEach(resetStores)

/** Cache Storage holding what the service worker stashed (src/sw.ts), as Responses. */
function stash(id: string, files: File[], words: { title?: string; text?: string; url?: string }) {
  const entries = new Map<string, Response>()
  files.forEach((f, i) =>
    entries.set(
      sharedFileUrl(id, i),
      new Response(f, {
        headers: { 'content-type': f.type, 'x-file-name': encodeURIComponent(f.name) },
      }),
    ),
  )
  entries.set(
    sharedTextUrl(id),
    Response.json({ title: '', text: '', url: '', ...words, files: files.length }),
  )
  const deleted: string[] = []
  const caches = {
    open: async (name: string) => {
      expect(name).toBe(SHARE_CACHE)
      return { match: async (url: string) => entries.get(url)?.clone() }
    },
    delete: async (name: string) => {
      deleted.push(name)
      return true
    },
  } as unknown as NonNullable<PagePorts['caches']>
  return { caches, deleted }
}

const arrived = (id: string, caches: NonNullable<PagePorts['caches']>) =>
  startApp({
    before: ({ page, client }) => {
      client.contactList = [BOB]
      page.caches = caches
      page.location.url = new URL(`https://app.test/?share=${id}`)
    },
  })

describe('share target glue', () => {
  it('what the share sheet sent waits for a contact; the address bar loses the marker', async () => {
    const s = stash('s1', [new File(['hello'], 'photo.jpg', { type: 'image/jpeg' })], {
      text: 'look',
    })
    const { page } = await arrived('s1', s.caches)
    await vi.waitFor(() => expect(useMobile.getState().share).not.toBeNull())
    const share = useMobile.getState().share!
    expect(share.files.map((f) => [f.name, f.type, f.size])).toEqual([
      ['photo.jpg', 'image/jpeg', 5],
    ])
    expect(share.text).toBe('look')
    expect(page.location.href).toBe('https://app.test/')
  })

  it('choosing a contact shares the files there and puts the words into its composer', async () => {
    const s = stash('s2', [new File(['abc'], 'notes.txt', { type: 'text/plain' })], {
      title: 'Notes',
      url: 'https://example.org/x',
    })
    const { app, client } = await arrived('s2', s.caches)
    await vi.waitFor(() => expect(useMobile.getState().share).not.toBeNull())
    await app.actions.shareIncoming(BOB.contactId)
    expect(useUi.getState().selected).toBe(BOB.contactId)
    expect(client.torrents?.offered.map((o) => o.contactId)).toEqual([BOB.contactId])
    expect(useThreads.getState().byContact[BOB.contactId]?.map((m) => m.body)).toEqual([
      'notes.txt',
    ])
    expect(useMobile.getState().draft).toEqual({
      id: 's2',
      contactId: BOB.contactId,
      text: 'Notes\nhttps://example.org/x',
    })
    expect(useMobile.getState().share).toBeNull()
    expect(s.deleted).toEqual([SHARE_CACHE])
    // Leaving that conversation drops the draft: coming back does not paste it again.
    app.actions.selectContact(null)
    expect(useMobile.getState().draft).toBeNull()
  })

  it('Cancel sends nothing and drops the stash', async () => {
    const s = stash('s3', [new File(['x'], 'x.bin')], {})
    const { app, client } = await arrived('s3', s.caches)
    await vi.waitFor(() => expect(useMobile.getState().share).not.toBeNull())
    app.actions.cancelIncoming()
    expect(useMobile.getState().share).toBeNull()
    expect(client.torrents?.offered).toEqual([])
    expect(s.deleted).toEqual([SHARE_CACHE])
  })

  it('a stash that is gone (or a form the worker could not read) is a notice, not a dialog', async () => {
    const s = stash('s4', [], {})
    await arrived('other', s.caches)
    await vi.waitFor(() => expect(useUi.getState().notice).toMatch(/share sheet/))
    expect(useMobile.getState().share).toBeNull()
  })

  it('a share the server answered (no worker yet) asks, in plain words, to share again', async () => {
    const s = stash('s5', [], {})
    const { page } = await arrived('early', s.caches)
    await vi.waitFor(() =>
      expect(useUi.getState().notice).toBe(
        'The share arrived before the app was ready — please share again.',
      ),
    )
    expect(useMobile.getState().share).toBeNull()
    expect(page.location.href).toBe('https://app.test/')
  })

  it('the words: title, text and link, without repeating a link the text holds', () => {
    expect(sharedWords({ title: '', text: 'see https://a.b/c', url: 'https://a.b/c' })).toBe(
      'see https://a.b/c',
    )
    expect(sharedWords({ title: 'T', text: ' ', url: 'https://a.b' })).toBe('T\nhttps://a.b')
  })
})
