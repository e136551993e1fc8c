import { SHARE_CACHE, sharedFileUrl, sharedTextUrl, type SharedText } from '../pwa/share-stash.ts'
import { mobileActions, useMobile } from '../state/mobile.ts'
import { uiActions, useUi } from '../state/ui.ts'
import type { ChatActions } from './chat.ts'
import type { GlueContext } from './context.ts'
import type { FileActions } from './files.ts'

export interface ShareTargetActions {
  /** "Share with <name>": the shared files go to that conversation, the words to its composer */
  shareIncoming(contactId: string): Promise<void>
  /** "Cancel": nothing is sent, the stash is dropped */
  cancelIncoming(): void
}

/**
 * The marker the server sends with a share that reached it (server/static.ts): the service
 * worker was not active yet (the app's first launch, or site data cleared), so nothing was kept.
 */
const EARLY = 'early'
const SHARE_EARLY_NOTICE = 'The share arrived before the app was ready — please share again.'

/** The words of a share: title, text and link, without repeating a link the text holds. */
export function sharedWords({ title, text, url }: Pick<SharedText, 'title' | 'text' | 'url'>) {
  const parts = [title, text]
  if (url && !text.includes(url)) parts.push(url)
  return parts
    .map((p) => p.trim())
    .filter(Boolean)
    .join('\n')
}

/**
 * Web Share Target: the service worker (src/sw.ts) stashed what the share sheet sent and sent
 * the page to `/?share=<id>`. The app picks it up once the profile is ready, asks which contact
 * (ShareTargetDialog), then shares the files there and puts the words into the composer.
 */
export function attachShareTarget(
  ctx: GlueContext,
  files: Pick<FileActions, 'shareFiles'>,
  chat: Pick<ChatActions, 'selectContact'>,
): { actions: ShareTargetActions; pickUp(): Promise<void> } {
  const { page } = ctx

  const drop = (): void => {
    mobileActions.setShare(null)
    void page.caches?.delete(SHARE_CACHE).catch(() => undefined)
  }

  // A draft belongs to the conversation it was shared into: leaving it drops the draft (the
  // composer took it already), so coming back does not paste it again.
  ctx.lifetime.defer(
    useUi.subscribe((s) => {
      const draft = useMobile.getState().draft
      if (draft && s.selected !== draft.contactId) mobileActions.setDraft(null)
    }),
  )

  const pickUp = async (): Promise<void> => {
    const params = new URLSearchParams(page.location.search)
    const id = params.get('share')
    if (!id) return
    // Off the address bar first, so a reload does not ask again.
    params.delete('share')
    const rest = params.size ? `?${params}` : ''
    page.history.replaceState(
      page.history.state,
      '',
      page.location.pathname + rest + page.location.hash,
    )
    if (id === EARLY) {
      // The server answered the share sheet: no worker was there to keep the files.
      uiActions.notify(SHARE_EARLY_NOTICE, 15_000)
      return
    }
    if (id === 'failed' || !page.caches) {
      uiActions.notify('Nothing arrived from the share sheet. Try sharing again.')
      return
    }
    try {
      const cache = await page.caches.open(SHARE_CACHE)
      const meta = await cache.match(sharedTextUrl(id))
      if (!meta) throw new Error('no stash')
      const text = (await meta.json()) as SharedText
      const found: File[] = []
      for (let i = 0; i < text.files; i++) {
        const res = await cache.match(sharedFileUrl(id, i))
        if (!res) continue
        const name = decodeURIComponent(res.headers.get('x-file-name') ?? `shared-${i + 1}`)
        const type = res.headers.get('content-type') ?? ''
        found.push(new File([await res.blob()], name, { type }))
      }
      if (ctx.lifetime.stopped) return
      const words = sharedWords(text)
      if (!found.length && !words) return drop()
      mobileActions.setShare({ id, files: found, text: words })
    } catch {
      uiActions.notify('Nothing arrived from the share sheet. Try sharing again.')
    }
  }

  return {
    pickUp,
    actions: {
      async shareIncoming(contactId) {
        const share = useMobile.getState().share
        if (!share) return
        drop()
        chat.selectContact(contactId)
        if (share.text) mobileActions.setDraft({ id: share.id, contactId, text: share.text })
        if (share.files.length) await files.shareFiles(contactId, share.files)
      },
      cancelIncoming: drop,
    },
  }
}
