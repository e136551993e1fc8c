/*
 * Test doubles for the glue's unit tests (never imported by the app): a client that emits what a
 * test tells it to and records what it was asked, with a file service to match. The page, the
 * storage and the app around them are in test-rig.ts.
 */
import type {
  CallView,
  ClientEvents,
  DeviceLinker,
  DeviceLinkEvents,
  ContactView,
  IdentityInfo,
  OpenPeerClientOptions,
  OutboxItem,
  TorrentInfo,
  TorrentView,
} from '../openpeer/index.ts'
import { OpenPeerError } from '../openpeer/index.ts'
import type { CallService, FileService, GlueClient } from './ports.ts'

export const ME: IdentityInfo = {
  contactId: 'a'.repeat(64),
  uri: `peer://app.test/${'a'.repeat(64)}`,
  name: 'Ann',
  domain: 'app.test',
  fingerprint: 'AAAA AAAA',
  locationId: 'loc-ann',
}

export const BOB: ContactView = {
  contactId: 'b'.repeat(64),
  uri: `peer://app.test/${'b'.repeat(64)}`,
  name: 'Bob',
  domain: 'app.test',
  added: 1,
  state: 'connected',
  path: 'direct',
  findable: true,
  verified: false,
}

export const inviteFrom = (contactId: string): string =>
  `https://app.test/#/i/app.test/${contactId}.${'s'.repeat(22)}`

type Handler = (payload: never) => void

export class FakeClient implements GlueClient {
  private readonly handlers = new Map<string, Set<Handler>>()
  identity: IdentityInfo | undefined
  started = 0
  stopped = 0
  retried = 0
  loadError: Error | undefined
  contactList: ContactView[] = []
  readonly accepted: string[] = []
  readonly prefetched: string[] = []
  prefetchInvite = (text: string): void => void this.prefetched.push(text)
  acceptInvite = async (text: string): Promise<ContactView> => {
    this.accepted.push(text)
    return BOB
  }
  readonly markedRead: { contactId: string; msgIds: string[] }[] = []
  sendMessage = async (contactId: string, body: string): Promise<OutboxItem> => ({
    contactId,
    thread: 'thread-1',
    msgId: `m${++this.sentCount}`,
    body,
    sent: 1_000 + this.sentCount,
  })
  sentCount = 0
  resetCount = 0
  torrents: FakeFiles | undefined = new FakeFiles()
  calls = new FakeCalls(this)

  on<K extends keyof ClientEvents>(event: K, handler: (p: ClientEvents[K]) => void): () => void {
    const set = this.handlers.get(String(event)) ?? new Set<Handler>()
    this.handlers.set(String(event), set)
    set.add(handler as Handler)
    return () => set.delete(handler as Handler)
  }
  emit<K extends keyof ClientEvents>(event: K, payload: ClientEvents[K]): void {
    for (const h of [...(this.handlers.get(String(event)) ?? [])]) h(payload as never)
  }
  /** how many handlers the glue holds on the client, over all events */
  listeners(): number {
    return [...this.handlers.values()].reduce((n, set) => n + set.size, 0)
  }
  async load(): Promise<IdentityInfo | undefined> {
    if (this.loadError) throw this.loadError
    return this.identity
  }
  async createIdentity(name: string): Promise<IdentityInfo> {
    this.identity = { ...ME, name }
    return this.identity
  }
  start(): void {
    this.started++
  }
  async stop(): Promise<void> {
    this.stopped++
  }
  finderState(): 'connecting' {
    return 'connecting'
  }
  retryNow(): void {
    this.retried++
  }
  networkChanges = 0
  networkChanged(): void {
    this.networkChanges++
  }
  inviteLink(origin: string): string {
    return `${origin}/#/i/app.test/${ME.contactId}.${String(this.resetCount).repeat(22)}`
  }
  contacts(): ContactView[] {
    return this.contactList
  }
  async markRead(contactId: string, msgIds: string[]): Promise<void> {
    this.markedRead.push({ contactId, msgIds })
  }
  async resetInvites(): Promise<void> {
    this.resetCount++
  }
  /** the options createApp made the client with */
  options: OpenPeerClientOptions | undefined
  relayOnly = false
  readonly renegotiated: { contactId: string; iceRestart: boolean }[] = []
  setRelayOnly(on: boolean): void {
    this.relayOnly = on
  }
  async renegotiate(contactId: string, opts: { iceRestart?: boolean } = {}): Promise<void> {
    this.renegotiated.push({ contactId, iceRestart: !!opts.iceRestart })
  }
  readonly introduced: [string, string][] = []
  introduceError: Error | undefined
  async introduce(a: string, b: string): Promise<void> {
    if (this.introduceError) throw this.introduceError
    this.introduced.push([a, b])
  }
  acceptingIntroductions = true
  setAcceptIntroductions(on: boolean): void {
    this.acceptingIntroductions = on
  }
  /** the device links made, newest last; `linkError` refuses the next */
  readonly linkers: FakeLinker[] = []
  linkError: Error | undefined
  async linkDevice(_opts: { origin: string }): Promise<DeviceLinker> {
    if (this.linkError) throw this.linkError
    const linker = new FakeLinker()
    this.linkers.push(linker)
    return linker as unknown as DeviceLinker
  }
  /** what joinDevice was asked; `joinWith` settles it (the code is shown first) */
  readonly joins: { link: string; name: string }[] = []
  joinWith: { code: string; result: IdentityInfo | Error } = { code: '123 456', result: ME }
  async joinDevice(
    link: string,
    opts: { name: string; onCode?: (code: string) => void },
  ): Promise<IdentityInfo> {
    this.joins.push({ link, name: opts.name })
    opts.onCode?.(this.joinWith.code)
    const { result } = this.joinWith
    if (result instanceof Error) throw result
    this.identity = result
    return result
  }
  deviceList: { locationId: string; label: string; added: number }[] = []
  devices(): { locationId: string; label: string; added: number }[] {
    return this.deviceList
  }
  readonly removedDevices: string[] = []
  async removeDevice(locationId: string): Promise<void> {
    this.removedDevices.push(locationId)
    this.deviceList = this.deviceList.filter((d) => d.locationId !== locationId)
  }
  /** how many always-on devices keepAvailable says kept it (0: it throws ERR_UNAVAILABLE) */
  alwaysOn = 0
  readonly keptAvailable: string[] = []
  readonly madePublic: string[] = []
  async keepAvailable(
    infoHash: string,
    opts: { public?: boolean } = {},
  ): Promise<{ kept: number }> {
    if (!this.alwaysOn)
      throw new OpenPeerError('ERR_UNAVAILABLE', 'none of your always-on devices is online')
    this.keptAvailable.push(infoHash)
    if (opts.public) this.madePublic.push(infoHash)
    return { kept: this.alwaysOn }
  }
  /** what safetyNumber answers (throws when an Error) */
  safetyNumberOf: string | Error = '12345 '.repeat(12).trim()
  async safetyNumber(_contactId: string): Promise<string> {
    if (this.safetyNumberOf instanceof Error) throw this.safetyNumberOf
    return this.safetyNumberOf
  }
  setVerifiedError: Error | undefined
  /** marks the contact in contactList and says so, as the client does */
  async setVerified(contactId: string, on: boolean): Promise<ContactView> {
    if (this.setVerifiedError) throw this.setVerifiedError
    const old = this.contactList.find((c) => c.contactId === contactId)
    if (!old) throw new Error(`no contact ${contactId}`)
    const view = { ...old, verified: on }
    this.contactList = this.contactList.map((c) => (c.contactId === contactId ? view : c))
    this.emit('contact:updated', view)
    return view
  }
}

/** A device link as the fake makes it: the test fires its events and sees what was asked. */
export class FakeLinker {
  private readonly handlers = new Map<string, Set<Handler>>()
  readonly link = `https://app.test/#/d/app.test/${'c'.repeat(64)}.${'d'.repeat(22)}.zzzzzz`
  readonly expires = Date.now() + 600_000
  readonly approved: string[] = []
  readonly declined: string[] = []
  stopped = 0
  on<K extends keyof DeviceLinkEvents>(
    event: K,
    handler: (p: DeviceLinkEvents[K]) => void,
  ): () => void {
    const set = this.handlers.get(String(event)) ?? new Set<Handler>()
    this.handlers.set(String(event), set)
    set.add(handler as Handler)
    return () => set.delete(handler as Handler)
  }
  emit<K extends keyof DeviceLinkEvents>(event: K, payload: DeviceLinkEvents[K]): void {
    for (const h of [...(this.handlers.get(String(event)) ?? [])]) h(payload as never)
  }
  async approve(id: string): Promise<void> {
    this.approved.push(id)
  }
  decline(id: string): void {
    this.declined.push(id)
  }
  async stop(): Promise<void> {
    this.stopped++
  }
}

export const fileInfo = (n: number): TorrentInfo => ({
  infoHash: String(n).repeat(40).slice(0, 40),
  magnet: `magnet:?xt=urn:btih:${String(n).repeat(40).slice(0, 40)}`,
  name: `file-${n}.txt`,
  size: 3,
  mime: 'text/plain',
})

export const viewOf = (info: TorrentInfo, more: Partial<TorrentView> = {}): TorrentView => ({
  ...info,
  origin: 'shared',
  contactIds: [],
  added: 1,
  state: 'seeding',
  downloaded: info.size,
  uploaded: 0,
  progress: 1,
  downloadSpeed: 0,
  uploadSpeed: 0,
  peers: 0,
  eta: 0,
  done: true,
  seeding: true,
  public: false,
  ...more,
})

export class FakeFiles implements FileService {
  readonly views = new Map<string, TorrentView>()
  serving = true
  readonly offered: { contactId: string; infoHash: string }[] = []
  shareError: Error | undefined
  async start(): Promise<void> {}
  list(): TorrentView[] {
    return [...this.views.values()]
  }
  get(infoHash: string): TorrentView | undefined {
    return this.views.get(infoHash)
  }
  setServing(allowed: boolean): void {
    this.serving = allowed
  }
  async share(file: Blob | Uint8Array, opts: { name?: string }): Promise<TorrentInfo> {
    if (this.shareError) throw this.shareError
    const info = { ...fileInfo(this.views.size + 1), name: opts.name ?? 'file' }
    this.views.set(info.infoHash, viewOf(info))
    return info
  }
  async offer(contactId: string, infoHash: string): Promise<{ sent: boolean }> {
    this.offered.push({ contactId, infoHash })
    return { sent: true }
  }
  async download(target: string | TorrentInfo): Promise<TorrentInfo> {
    if (typeof target === 'string') throw new Error('the fake downloads by TorrentInfo only')
    this.views.set(target.infoHash, viewOf(target, { origin: 'received', done: false }))
    return target
  }
  stream(): ReadableStream<Uint8Array> {
    return new Blob(['abc']).stream()
  }
  async streamUrl(infoHash: string): Promise<string> {
    return `/webtorrent/${infoHash}`
  }
  async setSeeding(infoHash: string, on: boolean): Promise<void> {
    const view = this.views.get(infoHash)
    if (view) this.views.set(infoHash, { ...view, seeding: on })
  }
  async remove(infoHash: string): Promise<void> {
    this.views.delete(infoHash)
  }
  async addWebSeed(infoHash: string, url: string): Promise<TorrentInfo> {
    const view = this.views.get(infoHash)
    if (!view) throw new OpenPeerError('ERR_NOT_FOUND', 'no such file here')
    if (!/^https?:\/\//.test(url)) throw new OpenPeerError('ERR_WEB_SEED', 'not http(s)')
    const next = { ...view, magnet: `${view.magnet}&ws=${encodeURIComponent(url)}` }
    this.views.set(infoHash, next)
    return next
  }
}

/** The client's calls as the glue drives them: records each ask and says so as the client would. */
export class FakeCalls implements CallService {
  readonly asked: string[] = []
  startError: Error | undefined
  acceptError: Error | undefined
  /** what localStream answers (a stand-in: the glue only passes it on) */
  readonly streams = new Map<string, unknown>()
  private readonly views = new Map<string, CallView>()
  constructor(private readonly client: FakeClient) {}

  /** a contact rings us, as the library reports it */
  ring(contactId: string, video: boolean, callId = 'call-in'): CallView {
    const view = this.put({
      callId,
      contactId,
      direction: 'incoming',
      video,
      state: 'incoming',
      muted: false,
      cameraOff: false,
      sendingVideo: false,
    })
    this.client.emit('call:incoming', view)
    return view
  }
  /** moves a call on (answered, ended …) and says so */
  put(view: CallView): CallView {
    if (view.state === 'ended') this.views.delete(view.callId)
    else this.views.set(view.callId, view)
    this.client.emit('call:state', view)
    return view
  }
  private change(callId: string, change: Partial<CallView>): void {
    const view = this.views.get(callId)
    if (view) this.put({ ...view, ...change })
  }
  list(): CallView[] {
    return [...this.views.values()]
  }
  localStream(callId: string): never {
    return this.streams.get(callId) as never
  }
  async start(contactId: string, opts: { video?: boolean } = {}): Promise<CallView> {
    this.asked.push(`start ${contactId} ${opts.video ? 'video' : 'audio'}`)
    if (this.startError) throw this.startError
    const callId = `call-${this.asked.length}`
    this.streams.set(callId, { local: callId })
    return this.put({
      callId,
      contactId,
      direction: 'outgoing',
      video: !!opts.video,
      state: 'outgoing',
      muted: false,
      cameraOff: false,
      sendingVideo: !!opts.video,
    })
  }
  async accept(callId: string): Promise<void> {
    this.asked.push(`accept ${callId}`)
    if (this.acceptError) throw this.acceptError
    this.streams.set(callId, { local: callId })
    this.change(callId, { state: 'connecting' })
  }
  decline(callId: string): void {
    this.asked.push(`decline ${callId}`)
    this.change(callId, { state: 'ended', reason: 'declined' })
  }
  hangUp(callId: string): void {
    this.asked.push(`hangUp ${callId}`)
    this.change(callId, { state: 'ended', reason: 'hangup' })
  }
  mute(callId: string, on: boolean): void {
    this.asked.push(`mute ${callId} ${on}`)
    this.change(callId, { muted: on })
  }
  cameraOff(callId: string, on: boolean): void {
    this.asked.push(`cameraOff ${callId} ${on}`)
    this.change(callId, { cameraOff: on })
  }
}
