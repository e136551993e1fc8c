import type { TorrentView } from '../openpeer/index.ts'
import { bytes, eta, percent, speed } from './format.ts'

const STATE_WORDS: Record<TorrentView['state'], string> = {
  checking: 'checking stored pieces',
  downloading: 'downloading',
  seeding: 'seeding',
  complete: 'complete, not seeding',
  failed: 'stopped',
}

/**
 * A transfer's progressbar (aria-valuenow in percent) and its figures: state, bytes, speed,
 * peers, time left. `label` names the bar ("<file> progress" in a conversation); without one,
 * only the figures show (the sender's own card).
 */
export function TransferFigures({ view, label }: { view: TorrentView; label?: string }) {
  const pct = percent(view.progress)
  // While checking, the speed is that of the metadata: no time left worth showing.
  const left = view.done || view.state === 'checking' ? null : eta(view.eta)
  const moving = view.done ? view.uploadSpeed : view.downloadSpeed
  return (
    <div className="transfer">
      {label && (
        <div
          role="progressbar"
          aria-label={label}
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={pct}
          aria-valuetext={`${pct} %`}
          className="bar"
        >
          <span style={{ transform: `scaleX(${pct / 100})` }} />
        </div>
      )}
      <p className="small muted figures">
        <span>{STATE_WORDS[view.state]}</span>
        {!view.done && (
          <span>
            {bytes(view.downloaded)} of {bytes(view.size)}
          </span>
        )}
        {moving > 0 && (
          <span>
            {view.done ? '↑' : '↓'} {speed(moving)}
          </span>
        )}
        <span>
          {view.peers} {view.peers === 1 ? 'peer' : 'peers'}
        </span>
        {view.uploaded > 0 && <span>{bytes(view.uploaded)} sent</span>}
        {left && <span>{left} left</span>}
      </p>
    </div>
  )
}
