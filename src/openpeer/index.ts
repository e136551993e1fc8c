/**
 * Open Peer Web's protocol client: the only import path for the rest of the app. No React, no
 * DOM: hosts inject WebSocket, WebRTC and storage through `ClientPorts`.
 */
export {
  createOpenPeerClient,
  OpenPeerClient,
  type OpenPeerClientOptions,
} from './client/client.ts'
export type {
  ClientEvents,
  ContactState,
  ContactView,
  ContactProblem,
  IdentityInfo,
  MessageState,
} from './client/types.ts'
export type { ReceivedMessage } from './threads/threads.ts'
export { BODY_MAX, NAME_MAX } from './limits.ts'
export { threadIdFor } from './threads/thread-id.ts'
export type { FinderState } from './finder/connection.ts'
export type { ConnectionPath, PairEnd, SelectedPair } from './session/path.ts'
export { selectedPair } from './session/path.ts'
export type { SessionTimings } from './session/session-types.ts'
export { OpenPeerError, isOpenPeerError, SECURITY_CODES, type ErrorCode } from './errors.ts'
export { TorrentService } from './torrents/service.ts'
export {
  Calls,
  RING_TIMEOUT,
  type CallEndReason,
  type CallEvents,
  type CallState,
  type CallView,
} from './calls/calls.ts'
export type { TorrentServiceOptions } from './torrents/types.ts'
export type { ShareOptions } from './torrents/seed.ts'
export type {
  TorrentEvents,
  TorrentInfo,
  TorrentOffer,
  TorrentState,
  TorrentView,
  WireStats,
} from './torrents/types.ts'
export { createMemoryTorrentPorts } from './torrents/memory.ts'
/**
 * The duplex that carries one WebTorrent wire over a session datachannel, with its send-queue
 * backpressure, and the default marks of that queue: the benchmarks measure a raw transfer
 * through the same duplex as the baseline for WebTorrent's.
 */
export { ChannelDuplex, SEND_QUEUE } from './torrents/channel-duplex.ts'
export { cleanFileName, FILE_NAME_MAX } from './torrents/names.ts'
export type {
  ChunkStore,
  ChunkStoreFactory,
  ChunkStoreOptions,
  TorrentPorts,
  TorrentRecord,
  TorrentRecordStore,
  ClientPorts,
  ContactRecord,
  ContactStore,
  InboxStore,
  KeyStore,
  MediaPorts,
  MediaStreamLike,
  MediaTrackLike,
  OutboxItem,
  OutboxStore,
  PeerLike,
  PeerOptions,
  SocketLike,
  StoredIdentity,
  DeviceRecord,
  HistoryPort,
  HistoryMessage,
} from './ports.ts'
export { parseInvite, formatInvite, type Invite } from './identity/invite.ts'
export { parsePeerUri, formatPeerUri } from './identity/uri.ts'
/** Device links: one identity on several devices (docs/devices.md). */
export {
  parseDeviceLink,
  formatDeviceLink,
  isDeviceLink,
  DEVICE_LINK_TTL,
  type DeviceLink,
} from './identity/device-link.ts'
export type { DeviceLinker } from './devices/linker.ts'
export type { PendingDevice, DeviceLinkEvents } from './devices/types.ts'
export { checkDisplayName } from './identity/peer-file.ts'
/** The safety number of two contact ids (12 groups of 5 digits; docs/safety-numbers.md). */
export { safetyNumber } from './identity/safety-number.ts'
export { exportIdentity, importIdentity, type PortableIdentity } from './identity/portable.ts'
export { KeyedQueue } from './async.ts'
export { createMemoryStores } from './memory.ts'
export { simplePeerFactory } from './session/simple-peer.ts'
export { createMemoryNetwork, type MemoryNetwork } from './testing/index.ts'
/** Debug marks of the connect path (docs/performance.md): off unless turned on. */
export { setTracing, trace } from './trace.ts'
/** zod's compiled parsers on or off (a page turns them off: wire/codec.ts). */
export { compileParsers } from './wire/codec.ts'
