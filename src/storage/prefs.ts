/**
 * Small device preferences in localStorage: synchronous, so the first render already knows
 * them. A browser that refuses localStorage simply keeps the defaults.
 */
const KEY = 'opw-prefs'

export interface DevicePrefs {
  seedOnMobileData: boolean
}

/** Where the glue reads and writes them (a port, so tests need no localStorage). */
export interface PrefsStore {
  load(): DevicePrefs
  save(prefs: DevicePrefs): void
}

const DEFAULTS: DevicePrefs = { seedOnMobileData: false }

export function loadPrefs(): DevicePrefs {
  try {
    const saved = JSON.parse(localStorage.getItem(KEY) ?? '{}') as Partial<DevicePrefs>
    return { seedOnMobileData: saved.seedOnMobileData === true }
  } catch {
    return DEFAULTS
  }
}

export function savePrefs(prefs: DevicePrefs): void {
  try {
    localStorage.setItem(KEY, JSON.stringify(prefs))
  } catch {
    // private mode or full: the choice lasts for this tab only
  }
}

export const localPrefsStore: PrefsStore = { load: loadPrefs, save: savePrefs }
