import { create } from 'zustand'
import type { TorrentView } from '../openpeer/index.ts'

interface TransfersState {
  /** every shared or received file by infohash, as the library last reported it */
  byHash: Record<string, TorrentView>
  /** infohashes being hashed for sharing, or asked for, before the library has a view */
  busy: Record<string, true>
  /** false when files last only as long as the tab (no OPFS or IndexedDB) */
  persistent: boolean
}

export const useTransfers = create<TransfersState>()(() => ({
  byHash: {},
  busy: {},
  persistent: true,
}))

export const transfersActions = {
  setAll(views: TorrentView[]): void {
    useTransfers.setState({ byHash: Object.fromEntries(views.map((v) => [v.infoHash, v])) })
  },
  upsert(view: TorrentView): void {
    useTransfers.setState((s) => ({ byHash: { ...s.byHash, [view.infoHash]: view } }))
  },
  remove(infoHash: string): void {
    useTransfers.setState((s) => {
      const { [infoHash]: _gone, ...byHash } = s.byHash
      return { byHash }
    })
  },
  setBusy(infoHash: string, busy: boolean): void {
    useTransfers.setState((s) => {
      const { [infoHash]: _was, ...rest } = s.busy
      return { busy: busy ? { ...rest, [infoHash]: true } : rest }
    })
  },
  setPersistent: (persistent: boolean): void => useTransfers.setState({ persistent }),
}

export const transferOf =
  (infoHash: string) =>
  (s: TransfersState): TorrentView | undefined =>
    s.byHash[infoHash]

/** Newest first: what was shared or asked for last is what a person looks for. */
export function newestFirst(byHash: Record<string, TorrentView>): TorrentView[] {
  return Object.values(byHash).sort((a, b) => b.added - a.added)
}
