import { useEffect, useRef, useState } from 'react'
import { useCalls } from '../state/calls.ts'
import { useContacts } from '../state/contacts.ts'
import { formatDuration } from './format.ts'
import { useActions } from './useActions.ts'

/**
 * The call on screen (ours ringing out, connecting or on): both videos, the duration, and Mute,
 * Camera off and Hang up. An audio call keeps the "Remote video" element: it plays their voice.
 */
export function CallPanel() {
  const call = useCalls((s) => (s.call && s.call.state !== 'incoming' ? s.call : null))
  const local = useCalls((s) => s.local)
  const remote = useCalls((s) => s.remote)
  const name = useContacts((s) => (call ? (s.byId[call.contactId]?.name ?? '') : ''))
  const { hangUp, setMuted, setCameraOff } = useActions()
  if (!call) return null

  const status =
    call.state === 'outgoing' ? 'Ringing…' : call.state === 'connecting' ? 'Connecting…' : undefined
  return (
    <section aria-label="Call" className={`card call ${call.video ? 'video' : 'audio'}`}>
      <header className="call-head">
        <h2>
          {call.video ? 'Video call' : 'Call'} with {name}
        </h2>
        {status || call.startedAt === undefined ? (
          <span className="muted">{status}</span>
        ) : (
          <Duration since={call.startedAt} />
        )}
      </header>
      <div className="call-videos">
        <Video label="Remote video" stream={remote} muted={false} />
        <Video label="Local video" stream={local} muted />
      </div>
      <div className="actions">
        <button type="button" aria-pressed={call.muted} onClick={() => setMuted(!call.muted)}>
          Mute
        </button>
        <button
          type="button"
          aria-pressed={call.cameraOff}
          disabled={!call.sendingVideo}
          title={call.sendingVideo ? undefined : 'No camera in this call'}
          onClick={() => setCameraOff(!call.cameraOff)}
        >
          Camera off
        </button>
        <button type="button" className="danger" onClick={hangUp}>
          Hang up
        </button>
      </div>
    </section>
  )
}

/** A <video> showing a MediaStream (srcObject has no attribute, so it is set on the element). */
function Video({
  label,
  stream,
  muted,
}: {
  label: string
  stream: MediaStream | null
  muted: boolean
}) {
  const ref = useRef<HTMLVideoElement>(null)
  useEffect(() => {
    const video = ref.current
    if (!video || video.srcObject === stream) return
    video.srcObject = stream
    // Autoplay may be refused without a gesture; the Call/Accept click usually counts as one.
    if (stream) video.play().catch(() => {})
  }, [stream])
  // Our own voice is never played back to us: the local preview is always muted.
  return <video ref={ref} aria-label={label} autoPlay playsInline muted={muted} />
}

/** How long the call has been on, as m:ss, ticking each second. */
function Duration({ since }: { since: number }) {
  const [now, setNow] = useState(() => Date.now())
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1_000)
    return () => clearInterval(timer)
  }, [])
  return (
    <span role="timer" aria-label="Call duration">
      {formatDuration(Math.max(0, now - since))}
    </span>
  )
}
