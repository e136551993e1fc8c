/*
 * Where the service worker keeps what the share sheet sent (Cache Storage: files survive as
 * Responses without copying them into memory) and where the app finds it. Shared by src/sw.ts
 * and src/glue/share-target.ts, so both spell the addresses the same way.
 */

/** the manifest's `share_target.action` */
export const SHARE_PATH = '/share-target'
export const SHARE_CACHE = 'opw-share'

export const sharedFileUrl = (id: string, index: number): string =>
  `${SHARE_PATH}/${id}/file/${index}`
export const sharedTextUrl = (id: string): string => `${SHARE_PATH}/${id}/text`

/** What the share sheet sent besides files. */
export interface SharedText {
  title: string
  text: string
  url: string
  /** how many files were stashed */
  files: number
}
