import { create } from 'zustand'

/** "system" follows the device's light or dark setting (the same union as storage's `Theme`). */
export type ThemeChoice = 'system' | 'light' | 'dark'

interface PrefsState {
  /** the person's "Seed on mobile data" choice */
  seedOnMobileData: boolean
  /** the Network Information API says this device is on a cellular link now */
  cellular: boolean
  /** "Hide my IP address": connections go through relays only */
  hideIp: boolean
  /** "Accept introductions" */
  acceptIntroductions: boolean
  /** "Theme": light, dark, or as the system says */
  theme: ThemeChoice
}

export const usePrefs = create<PrefsState>()(() => ({
  seedOnMobileData: false,
  cellular: false,
  hideIp: false,
  acceptIntroductions: true,
  theme: 'system',
}))

export const prefsActions = {
  setSeedOnMobileData: (seedOnMobileData: boolean): void => usePrefs.setState({ seedOnMobileData }),
  setCellular: (cellular: boolean): void => usePrefs.setState({ cellular }),
  setHideIp: (hideIp: boolean): void => usePrefs.setState({ hideIp }),
  setAcceptIntroductions: (acceptIntroductions: boolean): void =>
    usePrefs.setState({ acceptIntroductions }),
  setTheme: (theme: ThemeChoice): void => usePrefs.setState({ theme }),
}

/** Seeding pauses on mobile data unless the person allowed it. */
export const seedingPaused = (s: PrefsState): boolean => s.cellular && !s.seedOnMobileData
