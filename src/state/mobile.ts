import { create } from 'zustand'

/** Files and words the phone's share sheet sent in, waiting for "which contact?". */
export interface IncomingShare {
  id: string
  files: File[]
  /** title, text and link joined: pasted into the composer of the chosen conversation */
  text: string
}

/** Used and available bytes of this site's storage (navigator.storage.estimate()). */
export interface StorageEstimate {
  usage: number
  quota: number
}

interface MobileState {
  share: IncomingShare | null
  /** words to put into a composer: `id` tells a new draft from one already taken */
  draft: { id: string; contactId: string; text: string } | null
  /** the browser offered installation (beforeinstallprompt) */
  installable: boolean
  /** iOS Safari, not installed: installing is Share → Add to Home Screen */
  iosInstallHint: boolean
  /** Notification permission as last seen; 'unsupported' without the API */
  notifyPermission: NotificationPermission | 'unsupported'
  /** the person keeps the screen on while a file moves (default on) */
  keepAwake: boolean
  /** a screen wake lock is held now */
  awake: boolean
  storage: StorageEstimate | null
}

export const useMobile = create<MobileState>()(() => ({
  share: null,
  draft: null,
  installable: false,
  iosInstallHint: false,
  notifyPermission: 'unsupported',
  keepAwake: true,
  awake: false,
  storage: null,
}))

export const mobileActions = {
  setShare: (share: IncomingShare | null): void => useMobile.setState({ share }),
  setDraft: (draft: MobileState['draft']): void => useMobile.setState({ draft }),
  setInstallable: (installable: boolean): void => useMobile.setState({ installable }),
  setIosInstallHint: (iosInstallHint: boolean): void => useMobile.setState({ iosInstallHint }),
  setNotifyPermission: (notifyPermission: MobileState['notifyPermission']): void =>
    useMobile.setState({ notifyPermission }),
  setKeepAwake: (keepAwake: boolean): void => useMobile.setState({ keepAwake }),
  setAwake: (awake: boolean): void => useMobile.setState({ awake }),
  setStorage: (storage: StorageEstimate | null): void => useMobile.setState({ storage }),
}
