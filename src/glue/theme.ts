import { prefsActions, type ThemeChoice } from '../state/prefs.ts'
import type { GlueContext } from './context.ts'

export interface ThemeActions {
  /** light, dark, or the system's setting; remembered on this device */
  setTheme(theme: ThemeChoice): void
}

/**
 * The colour theme of this device. The choice lives in the prefs store; the UI (useTheme) puts
 * it on <html data-theme>, where styles.css reads it. "system" leaves the media query in charge.
 */
export function attachTheme(ctx: GlueContext): ThemeActions {
  const { stores } = ctx
  prefsActions.setTheme(stores.prefs.load().theme)
  return {
    setTheme(theme) {
      prefsActions.setTheme(theme)
      stores.prefs.save({ theme })
    },
  }
}
