import { useEffect, useState } from 'react'
import { useActions } from './useActions.ts'

export type PreviewKind = 'image' | 'audio' | 'video'

/** Images, audio and video a browser can show inline. */
export function previewKind(mime: string): PreviewKind | null {
  if (/^image\/(png|jpeg|gif|webp|avif|bmp)$/.test(mime)) return 'image'
  if (mime.startsWith('audio/')) return 'audio'
  if (mime.startsWith('video/')) return 'video'
  return null
}

/**
 * Where a card's preview plays from. Audio and video stream (while downloading too) when the
 * service worker can serve them; otherwise, and for images, a blob URL of the complete file,
 * revoked when the card goes.
 */
export function usePreview(
  infoHash: string,
  kind: PreviewKind | null,
  state: { hasData: boolean; done: boolean },
): string | undefined {
  const { previewFile, streamFile } = useActions()
  const [url, setUrl] = useState<string>()
  const streamable = (kind === 'audio' || kind === 'video') && state.hasData
  const enabled = !!kind && (state.done || streamable)
  useEffect(() => {
    if (!enabled) return
    let blobUrl: string | undefined
    let gone = false
    const load = async (): Promise<void> => {
      const streamed = streamable ? await streamFile(infoHash) : undefined
      if (streamed) {
        if (!gone) setUrl(streamed)
        return
      }
      if (!state.done) return
      const u = await previewFile(infoHash)
      if (gone && u) URL.revokeObjectURL(u)
      else {
        blobUrl = u
        setUrl(u)
      }
    }
    load().catch(() => setUrl(undefined)) // no preview is fine: Save still works
    return () => {
      gone = true
      if (blobUrl) URL.revokeObjectURL(blobUrl)
    }
  }, [infoHash, enabled, streamable, state.done, previewFile, streamFile])
  return enabled ? url : undefined
}
