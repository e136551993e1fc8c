import { create } from 'zustand'

interface PrefsState {
  /** the person's "Seed on mobile data" choice */
  seedOnMobileData: boolean
  /** the Network Information API says this device is on a cellular link now */
  cellular: boolean
  /** "Hide my IP address": connections go through relays only */
  hideIp: boolean
  /** "Accept introductions" */
  acceptIntroductions: boolean
}

export const usePrefs = create<PrefsState>()(() => ({
  seedOnMobileData: false,
  cellular: false,
  hideIp: false,
  acceptIntroductions: true,
}))

export const prefsActions = {
  setSeedOnMobileData: (seedOnMobileData: boolean): void => usePrefs.setState({ seedOnMobileData }),
  setCellular: (cellular: boolean): void => usePrefs.setState({ cellular }),
  setHideIp: (hideIp: boolean): void => usePrefs.setState({ hideIp }),
  setAcceptIntroductions: (acceptIntroductions: boolean): void =>
    usePrefs.setState({ acceptIntroductions }),
}

/** Seeding pauses on mobile data unless the person allowed it. */
export const seedingPaused = (s: PrefsState): boolean => s.cellular && !s.seedOnMobileData
