import { createContext, useContext } from 'react'
import type { AppActions } from '../glue/app.ts'

/**
 * The app's actions, given by main.tsx from `createApp()`. Components call these and never see
 * the client. Null only while the storage opens, when no screen that asks for actions shows.
 */
export const ActionsContext = createContext<AppActions | null>(null)

export function useActions(): AppActions {
  const actions = useContext(ActionsContext)
  if (!actions) throw new Error('useActions() outside <ActionsContext> (main.tsx provides it)')
  return actions
}
