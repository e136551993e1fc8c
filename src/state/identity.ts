import { create } from 'zustand'
import type { IdentityInfo } from '../openpeer/index.ts'

/** loading: reading IndexedDB / starting; new: first run, no identity; ready: signed in. */
export type IdentityStatus = 'loading' | 'new' | 'creating' | 'ready'

interface IdentityState {
  status: IdentityStatus
  info: IdentityInfo | null
  /** false when IndexedDB is unusable and nothing survives the tab */
  persistent: boolean
}

export const useIdentity = create<IdentityState>()(() => ({
  status: 'loading',
  info: null,
  persistent: true,
}))

export const identityActions = {
  setStatus: (status: IdentityStatus): void => useIdentity.setState({ status }),
  setInfo: (info: IdentityInfo): void => useIdentity.setState({ info, status: 'ready' }),
  setPersistent: (persistent: boolean): void => useIdentity.setState({ persistent }),
  /** the profile was deleted from this browser: back to the first run */
  clear: (): void => useIdentity.setState({ info: null, status: 'new' }),
}
