import type { TorrentInfo } from '../openpeer/index.ts'
import { transferOf, useTransfers } from '../state/transfers.ts'
import { bytes } from './format.ts'
import { TransferFigures } from './TransferFigures.tsx'
import { useActions } from './useActions.ts'
import { previewKind, usePreview } from './usePreview.ts'

/** Bigger images are not decoded inline (a phone would stall); Save still opens them. */
const PREVIEW_MAX = 50_000_000

/**
 * A shared file in the conversation: name, size, type; for the recipient "Download <name>",
 * then its progress, then "Save <name>" and a preview of images, audio and video.
 */
export function FileCard({ file, own }: { file: TorrentInfo; own: boolean }) {
  const { downloadFile, saveFile, keepAvailable } = useActions()
  const view = useTransfers(transferOf(file.infoHash))
  const busy = useTransfers((s) => s.busy[file.infoHash] === true)
  const name = view?.name ?? file.name
  const kind = previewKind(file.mime)
  // Images decode whole, so only smaller ones; audio and video stream at any size.
  const previewable = kind && (kind !== 'image' || file.size <= PREVIEW_MAX) ? kind : null
  const preview = usePreview(file.infoHash, previewable, {
    // A first verified piece means the metadata is here: the file can be served.
    hasData: !!view && view.downloaded > 0 && view.state !== 'failed',
    done: !!view?.done,
  })
  const canDownload = !own && (!view || view.state === 'failed')

  return (
    <div className="file-card">
      <p className="file-name">{name}</p>
      <p className="small muted">
        {bytes(view?.size || file.size)} · {file.mime}
        {own && ' · shared by you'}
      </p>
      {preview && kind === 'image' && <img src={preview} alt={`${name} preview`} />}
      {preview && kind === 'audio' && <audio src={preview} controls aria-label={`Play ${name}`} />}
      {preview && kind === 'video' && <video src={preview} controls aria-label={`Play ${name}`} />}
      {view && <TransferFigures view={view} label={own ? undefined : `${name} progress`} />}
      {view?.error && (
        <p className="small warning-text">
          {view.error === 'ERR_STORAGE'
            ? 'Storage failed: free some space, then download again.'
            : 'The transfer stopped; download again to resume.'}
        </p>
      )}
      <div className="row">
        {canDownload && (
          <button
            type="button"
            className="primary"
            disabled={busy}
            onClick={() => void downloadFile(file)}
          >
            Download {name}
          </button>
        )}
        {view?.done && !own && (
          <button type="button" onClick={() => void saveFile(file.infoHash)}>
            Save {name}
          </button>
        )}
        {view?.done && (
          <button
            type="button"
            title="Your always-on devices (a super-peer) fetch it and share it while this device sleeps"
            onClick={() => void keepAvailable(file.infoHash)}
          >
            Keep available {name}
          </button>
        )}
      </div>
    </div>
  )
}
