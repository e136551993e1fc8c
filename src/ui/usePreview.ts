import { useEffect, useState } from 'react'
import { previewFile } from '../connect.ts'

/** Images, audio and video a browser can show inline. */
export function previewKind(mime: string): 'image' | 'audio' | 'video' | null {
  if (/^image\/(png|jpeg|gif|webp|avif|bmp|svg\+xml)$/.test(mime)) return 'image'
  if (mime.startsWith('audio/')) return 'audio'
  if (mime.startsWith('video/')) return 'video'
  return null
}

/** A blob URL of a complete file while the card is on screen (revoked when it goes). */
export function usePreview(infoHash: string, enabled: boolean): string | undefined {
  const [url, setUrl] = useState<string>()
  useEffect(() => {
    if (!enabled) return
    let current: string | undefined
    let gone = false
    previewFile(infoHash)
      .then((u) => {
        if (gone && u) URL.revokeObjectURL(u)
        else {
          current = u
          setUrl(u)
        }
      })
      .catch(() => setUrl(undefined)) // no preview is fine: Save still works
    return () => {
      gone = true
      if (current) URL.revokeObjectURL(current)
    }
  }, [infoHash, enabled])
  return enabled ? url : undefined
}
