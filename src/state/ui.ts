import { create } from 'zustand'
import type { ErrorCode } from '../openpeer/index.ts'

/** Library codes plus the few failures only the app can tell apart. */
export type AppErrorCode =
  | ErrorCode
  | 'ERR_OWN_INVITE'
  | 'ERR_CLIPBOARD'
  | 'ERR_DEVICE_OFFLINE'
  /** the app's own code (the client chunk main.tsx imports) did not arrive */
  | 'ERR_APP_LOAD'

export interface AppError {
  code: AppErrorCode
  /** what was being done, e.g. "Opening the invite" */
  during: string
  /** the library's own sentence, shown as detail */
  detail?: string
}

interface UiState {
  selected: string | null
  inviteLink: string | null
  /** an invite link waiting for the first-run name, or being opened */
  pendingInvite: string | null
  openingInvite: boolean
  error: AppError | null
  notice: string | null
}

export const useUi = create<UiState>()(() => ({
  selected: null,
  inviteLink: null,
  pendingInvite: null,
  openingInvite: false,
  error: null,
  notice: null,
}))

let noticeTimer: ReturnType<typeof setTimeout> | undefined

export const uiActions = {
  select: (selected: string | null): void => useUi.setState({ selected }),
  setInviteLink: (inviteLink: string | null): void => useUi.setState({ inviteLink }),
  setPendingInvite: (pendingInvite: string | null): void => useUi.setState({ pendingInvite }),
  setOpeningInvite: (openingInvite: boolean): void => useUi.setState({ openingInvite }),
  showError: (error: AppError): void => useUi.setState({ error }),
  clearError: (): void => useUi.setState({ error: null }),
  /** A passing confirmation ("Copied"): it goes away by itself. */
  notify(notice: string, ms = 6_000): void {
    clearTimeout(noticeTimer)
    useUi.setState({ notice })
    noticeTimer = setTimeout(() => useUi.setState({ notice: null }), ms)
  },
  clearNotice(): void {
    clearTimeout(noticeTimer)
    useUi.setState({ notice: null })
  },
}
