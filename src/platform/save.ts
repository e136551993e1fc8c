/**
 * Hands a finished file to the person. The bytes stream from the chunk store into a Blob
 * (Chromium keeps large blobs on disk, not in the JS heap), then a download link is clicked.
 */
export async function saveStream(
  stream: ReadableStream<Uint8Array>,
  name: string,
  mime: string,
): Promise<void> {
  const url = await blobUrl(stream, mime)
  const a = document.createElement('a')
  a.href = url
  a.download = name
  a.rel = 'noopener'
  document.body.append(a)
  a.click()
  a.remove()
  // The download has its own reference by now; revoking at once can cancel it in some browsers.
  setTimeout(() => URL.revokeObjectURL(url), 60_000)
}

/** A blob URL of a file (for saving, or previews of images, audio, video); revoke it when done. */
export async function blobUrl(stream: ReadableStream<Uint8Array>, mime: string): Promise<string> {
  const blob = await new Response(stream, { headers: { 'content-type': mime } }).blob()
  return URL.createObjectURL(blob)
}
