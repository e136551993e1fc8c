import { mobileActions } from '../state/mobile.ts'
import type { GlueContext } from './context.ts'

export interface InstallActions {
  /** "Install app": the browser's own install dialog */
  installApp(): Promise<void>
}

/** The part of `BeforeInstallPromptEvent` (Chromium) the app uses. */
interface InstallPrompt extends Event {
  prompt(): Promise<unknown>
}

/** iOS Safari (not Chrome or Firefox on iOS, which cannot add to the home screen themselves). */
export function isIosSafari(userAgent: string): boolean {
  return /iPhone|iPad|iPod/.test(userAgent) && !/CriOS|FxiOS|EdgiOS/.test(userAgent)
}

/**
 * Installing: where the browser offers it (`beforeinstallprompt`), an "Install app" button;
 * on iOS Safari, which has no such event, one line saying how (Share → Add to Home Screen).
 * Neither shows in the installed app itself.
 */
export function attachInstall(ctx: GlueContext): InstallActions {
  const { page } = ctx
  let offered: InstallPrompt | undefined
  const onOffer = (e: Event): void => {
    // Keep the browser's mini-infobar away: our button asks at a moment the person chooses.
    e.preventDefault()
    offered = e as InstallPrompt
    mobileActions.setInstallable(true)
  }
  const onInstalled = (): void => {
    offered = undefined
    mobileActions.setInstallable(false)
  }
  page.window.addEventListener('beforeinstallprompt', onOffer)
  page.window.addEventListener('appinstalled', onInstalled)
  ctx.lifetime.defer(() => {
    page.window.removeEventListener('beforeinstallprompt', onOffer)
    page.window.removeEventListener('appinstalled', onInstalled)
  })
  const standalone = page.standalone?.() === true || page.navigator.standalone === true
  mobileActions.setIosInstallHint(!standalone && isIosSafari(page.navigator.userAgent))

  return {
    async installApp() {
      const prompt = offered
      if (!prompt) return
      offered = undefined
      mobileActions.setInstallable(false)
      await prompt.prompt().catch(() => undefined)
    },
  }
}
