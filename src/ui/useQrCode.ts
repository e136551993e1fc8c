import { useEffect, useState } from 'react'

/** A data URL of the text as a QR code, or null while it is being drawn. */
export function useQrCode(text: string | null): string | null {
  const [qr, setQr] = useState<{ text: string; url: string } | null>(null)
  useEffect(() => {
    if (!text) return
    let live = true
    // Loaded on first use: most visits never show an invite.
    import('qrcode')
      .then((QRCode) =>
        QRCode.toDataURL(text, { margin: 1, width: 240, errorCorrectionLevel: 'M' }),
      )
      .then((url) => live && setQr({ text, url }))
      .catch((err: unknown) => console.warn('QR code', err))
    return () => {
      live = false
    }
  }, [text])
  // A code drawn for an older link (before "Reset invite links") must never show.
  return qr && qr.text === text ? qr.url : null
}
