import { isOpenPeerError, parseInvite } from '../openpeer/index.ts'
import { contactsActions } from '../state/contacts.ts'
import { useIdentity } from '../state/identity.ts'
import { uiActions, useUi } from '../state/ui.ts'
import { onPage, type GlueContext } from './context.ts'
import { copyText } from './device.ts'
import { showError } from './errors.ts'

export interface InviteActions {
  /** shows this person's invite link (and its QR code) */
  makeInvite(): void
  copyInvite(): Promise<void>
  /** whether this browser has a share sheet */
  canShare(): boolean
  shareInvite(): Promise<void>
  /** opens an invite link (pasted, or from the address bar): connects and adds the contact */
  openInvite(text: string): Promise<void>
  /** a link typed or pasted, not yet opened: its card is fetched ahead (nothing shows) */
  prefetchInvite(text: string): void
  /** old links stop working; a link on screen is replaced */
  resetInvites(): Promise<void>
}

export interface InvitesGlue {
  actions: InviteActions
  /**
   * Opens an invite in the address bar once there is a profile, or keeps it for after the
   * first-run name. Called at start; `hashchange` calls it too.
   */
  openFromAddressBar(): Promise<void>
}

export function attachInvites(ctx: GlueContext): InvitesGlue {
  const { client, page } = ctx
  const { location, history } = page

  const inviteInHash = (): boolean => location.hash.startsWith('#/i/') || location.hash === '#/i'

  const openInvite = async (text: string): Promise<void> => {
    const me = useIdentity.getState().info
    if (!me) return
    const during = 'opening the invite link'
    uiActions.clearError()
    uiActions.setPendingInvite(null)
    uiActions.setOpeningInvite(true)
    try {
      if (parseInvite(text).contactId === me.contactId) {
        uiActions.showError({ code: 'ERR_OWN_INVITE', during })
        return
      }
      const view = await client.acceptInvite(text)
      contactsActions.upsert(view)
      uiActions.notify(`Connected with ${view.name}`)
    } catch (err) {
      // Not a failure: the contact is added and the client rings them when they are back. The
      // finder holds only their keys, so their name arrives with them (the identify exchange).
      if (isOpenPeerError(err, 'ERR_UNAVAILABLE')) {
        uiActions.notify(
          'Contact added. They are not online now: you will be connected when they are, and their name shows then.',
          12_000,
        )
      } else showError(err, during)
    } finally {
      uiActions.setOpeningInvite(false)
    }
  }

  const openFromAddressBar = async (): Promise<void> => {
    if (!inviteInHash()) return
    const link = location.href
    if (!useIdentity.getState().info) {
      // Checked now, not after the person made a profile for a link that was never going to work.
      try {
        parseInvite(link)
      } catch (err) {
        history.replaceState(history.state, '', location.pathname + location.search)
        showError(err, 'opening the invite link')
        return
      }
      uiActions.setPendingInvite(link)
      return
    }
    // Cleared before the (slow) attempt, so a reload meanwhile does not run it twice.
    history.replaceState(history.state, '', location.pathname + location.search)
    await openInvite(link)
  }

  const makeInvite = (): void => uiActions.setInviteLink(client.inviteLink(location.origin))
  const canShare = (): boolean => typeof page.navigator.share === 'function'

  onPage(ctx, page.window, 'hashchange', () => void openFromAddressBar())

  return {
    openFromAddressBar,
    actions: {
      makeInvite,
      canShare,
      openInvite,
      prefetchInvite(text) {
        if (useIdentity.getState().info) client.prefetchInvite(text)
      },
      async copyInvite() {
        const link = useUi.getState().inviteLink
        if (!link) return
        await copyText(page, link, {
          done: 'Invite link copied',
          during: 'copying the invite link',
        })
      },
      async shareInvite() {
        const link = useUi.getState().inviteLink
        const name = useIdentity.getState().info?.name ?? 'Someone'
        if (!link || !page.navigator.share) return
        try {
          await page.navigator.share({
            title: 'Open Peer Web',
            text: `${name} invites you to chat`,
            url: link,
          })
        } catch (err) {
          // Closing the share sheet is a choice, not a failure.
          if (!(err instanceof DOMException && err.name === 'AbortError')) {
            showError(err, 'sharing the invite link')
          }
        }
      },
      async resetInvites() {
        try {
          await client.resetInvites()
          if (useUi.getState().inviteLink) makeInvite()
          uiActions.notify('Invite links reset: links given out before no longer work')
        } catch (err) {
          showError(err, 'resetting invite links')
        }
      },
    },
  }
}
