import { create } from 'zustand'
import type { FinderState } from '../openpeer/index.ts'

interface FinderStoreState {
  state: FinderState
  domain: string
}

export const useFinder = create<FinderStoreState>()(() => ({ state: 'offline', domain: '' }))

export const finderActions = {
  set: (domain: string, state: FinderState): void => useFinder.setState({ domain, state }),
}
