/**
 * Small device preferences in localStorage: synchronous, so the first render already knows
 * them. A browser that refuses localStorage simply keeps the defaults.
 */
const KEY = 'opw-prefs'

/** "system" follows the device's light or dark setting; the others override it. */
export type Theme = 'system' | 'light' | 'dark'
const THEMES: readonly string[] = ['system', 'light', 'dark'] satisfies Theme[]

export interface DevicePrefs {
  seedOnMobileData: boolean
  /** "Hide my IP address": relay-only connections */
  hideIp: boolean
  /** "Accept introductions" (on unless switched off) */
  acceptIntroductions: boolean
  /** light or dark colours, or the system's ("Theme" in "Your profile") */
  theme: Theme
  /** "Keep the screen on during transfers" (on unless a real `false` was saved) */
  keepScreenOn?: boolean
}

/** Where the glue reads and writes them (a port, so tests need no localStorage). */
export interface PrefsStore {
  load(): DevicePrefs
  /** saves the choices given, keeping the others */
  save(prefs: Partial<DevicePrefs>): void
}

const DEFAULTS: DevicePrefs = {
  seedOnMobileData: false,
  hideIp: false,
  acceptIntroductions: true,
  theme: 'system',
  keepScreenOn: true,
}

export function loadPrefs(): DevicePrefs {
  try {
    const saved = JSON.parse(localStorage.getItem(KEY) ?? '{}') as Partial<DevicePrefs>
    // Only a real `true` turns a choice on: a damaged entry falls back to the default.
    return {
      seedOnMobileData: saved.seedOnMobileData === true,
      hideIp: saved.hideIp === true,
      // On unless a real `false` was saved.
      acceptIntroductions: saved.acceptIntroductions !== false,
      theme: THEMES.includes(saved.theme as string) ? (saved.theme as Theme) : 'system',
      keepScreenOn: saved.keepScreenOn !== false,
    }
  } catch {
    return DEFAULTS
  }
}

export function savePrefs(prefs: Partial<DevicePrefs>): void {
  try {
    localStorage.setItem(KEY, JSON.stringify({ ...loadPrefs(), ...prefs }))
  } catch {
    // private mode or full: the choice lasts for this tab only
  }
}

export const localPrefsStore: PrefsStore = { load: loadPrefs, save: savePrefs }
