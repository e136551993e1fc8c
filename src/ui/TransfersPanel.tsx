import { useMemo, useState } from 'react'
import type { TorrentView } from '../openpeer/index.ts'
import { seedingPaused, usePrefs } from '../state/prefs.ts'
import { newestFirst, useTransfers } from '../state/transfers.ts'
import { StorageUsage } from './StorageUsage.tsx'
import { TransferFigures } from './TransferFigures.tsx'
import { useActions } from './useActions.ts'

/** Every shared and received file: progress, speed, peers, time left, seeding choices. */
export function TransfersPanel() {
  const { setSeedOnMobileData } = useActions()
  const byHash = useTransfers((s) => s.byHash)
  const persistent = useTransfers((s) => s.persistent)
  const list = useMemo(() => newestFirst(byHash), [byHash])
  const seedOnMobile = usePrefs((s) => s.seedOnMobileData)
  const paused = usePrefs(seedingPaused)

  return (
    <section aria-labelledby="transfers-title" className="card transfers">
      <h2 id="transfers-title">Transfers</h2>
      <StorageUsage />
      {/* Plain words; "seeding" (BitTorrent's word) only in the tooltip. */}
      <label
        className="switch"
        title="Seeding: sending pieces of your files to contacts who download them. Off by default, to spare your data plan."
      >
        <input
          type="checkbox"
          role="switch"
          checked={seedOnMobile}
          onChange={(e) => setSeedOnMobileData(e.target.checked)}
        />
        Share files on mobile data
      </label>
      {paused && <p className="small muted">On mobile data: sharing files is paused.</p>}
      {!persistent && (
        <p className="small warning-text">
          This browser does not let the app store files: they last only until the tab closes.
        </p>
      )}
      {list.length === 0 ? (
        <p className="muted small">Files you share or receive show here.</p>
      ) : (
        <ul className="transfer-list" aria-label="Transfers">
          {list.map((v) => (
            <TransferRow key={v.infoHash} view={v} />
          ))}
        </ul>
      )}
    </section>
  )
}

function TransferRow({ view }: { view: TorrentView }) {
  const { copyMagnet, downloadFile, removeFile, setFileSeeding, keepAvailable } = useActions()
  return (
    <li className="transfer-row" aria-label={view.name}>
      <p className="file-name">
        {view.origin === 'shared' ? '↑ ' : '↓ '}
        {view.name}
      </p>
      <TransferFigures view={view} label={`${view.name} transfer`} />
      <div className="row small">
        <label
          className="switch"
          title="Keep sending pieces of this file to contacts who download it"
        >
          <input
            type="checkbox"
            checked={view.seeding}
            onChange={(e) => void setFileSeeding(view.infoHash, e.target.checked)}
          />
          Seed {view.name}
        </label>
        {view.state === 'failed' && (
          <button type="button" onClick={() => void downloadFile(view)}>
            Resume {view.name}
          </button>
        )}
        <button
          type="button"
          className="link"
          title="A magnet link: any BitTorrent app can download the file with it"
          onClick={() => void copyMagnet(view.infoHash)}
        >
          Copy file link of {view.name}
        </button>
        {view.done && (
          <button
            type="button"
            className="link"
            title="Your always-on device (a super-peer) keeps it and serves it to any BitTorrent client given its link"
            onClick={() => void keepAvailable(view.infoHash, { public: true })}
          >
            Make public {view.name}
          </button>
        )}
        <button type="button" className="link" onClick={() => void removeFile(view.infoHash)}>
          Remove {view.name}
        </button>
      </div>
      {view.origin === 'shared' && <WebSeedForm view={view} />}
    </li>
  )
}

/**
 * A web seed for a file one shares: the address of the same file on a web server or gateway
 * (IPFS, Swarm, Storj, any server with range requests), so it downloads when no contact is on.
 */
function WebSeedForm({ view }: { view: TorrentView }) {
  const { addWebSeed } = useActions()
  const [url, setUrl] = useState('')
  const [busy, setBusy] = useState(false)
  return (
    <form
      className="row small web-seed"
      onSubmit={(e) => {
        e.preventDefault()
        setBusy(true)
        void addWebSeed(view.infoHash, url).then((added) => {
          setBusy(false)
          if (added) setUrl('')
        })
      }}
    >
      <input
        type="text"
        inputMode="url"
        placeholder="https://… the same file on a web server"
        aria-label={`Web seed for ${view.name}`}
        value={url}
        onChange={(e) => setUrl(e.target.value)}
      />
      <button type="submit" disabled={busy || !url.trim()}>
        Add web seed to {view.name}
      </button>
    </form>
  )
}
