import { createHash } from 'node:crypto'
import {
  createMemoryTorrentPorts,
  type OpenPeerClient,
  type TorrentPorts,
  type TorrentService,
} from '../../src/openpeer/index.ts'
import { makeClient, until } from './harness.ts'

/** A client with file sharing on in-memory torrent ports (or the ones given). */
export async function makeSharer(
  name: string,
  domain: string,
  torrents: TorrentPorts = createMemoryTorrentPorts(),
): Promise<OpenPeerClient & { torrents: TorrentService }> {
  // Unfinished downloads ask contacts again every 0.5 s instead of 10 s.
  const client = await makeClient(name, domain, { torrents }, { torrents: { retryEvery: 500 } })
  return client as OpenPeerClient & { torrents: TorrentService }
}

/** `inviter` invites `invitee`; resolves once both see each other connected. */
export async function befriend(inviter: OpenPeerClient, invitee: OpenPeerClient): Promise<void> {
  const inviteeName = invitee.identity()!.name
  const seen = until(
    inviter,
    'contact:state',
    (v) => v.state === 'connected' && v.name === inviteeName,
  )
  await invitee.acceptInvite(inviter.inviteLink('http://app.test'))
  await seen
}

export async function sha256Of(stream: ReadableStream<Uint8Array>): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) hash.update(chunk)
  return hash.digest('hex')
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}

export function idOf(client: OpenPeerClient): string {
  return client.identity()!.contactId
}
