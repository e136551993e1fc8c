/*
 * The glue's unit-test rig (never imported by the app): a page without a DOM, in-memory storage
 * and createApp wired to the fake client of fake-client.ts.
 */
import {
  createMemoryStores,
  createMemoryTorrentPorts,
  type IdentityInfo,
} from '../openpeer/index.ts'
import { useCalls } from '../state/calls.ts'
import { useContacts } from '../state/contacts.ts'
import { useDevices } from '../state/devices.ts'
import { useFinder } from '../state/finder.ts'
import { useIdentity } from '../state/identity.ts'
import { useMobile } from '../state/mobile.ts'
import { usePrefs } from '../state/prefs.ts'
import { useThreads } from '../state/threads.ts'
import { useTransfers } from '../state/transfers.ts'
import { useUi } from '../state/ui.ts'
import { memoryHistoryStore } from '../storage/history.ts'
import type { AppStores, DevicePrefs } from '../storage/index.ts'
import { createApp, type App } from './app.ts'
import { FakeClient, ME } from './fake-client.ts'
import type { PagePorts } from './ports.ts'

/** An event target that can say how many listeners it holds. */
export class FakeTarget extends EventTarget {
  private readonly held = new Map<string, number>()
  override addEventListener(type: string, fn: EventListenerOrEventListenerObject | null): void {
    this.held.set(type, (this.held.get(type) ?? 0) + 1)
    super.addEventListener(type, fn)
  }
  override removeEventListener(type: string, fn: EventListenerOrEventListenerObject | null): void {
    this.held.set(type, (this.held.get(type) ?? 0) - 1)
    super.removeEventListener(type, fn)
  }
  fire(type: string): void {
    this.dispatchEvent(new Event(type))
  }
  /** listeners added and not removed, over all types */
  listeners(): number {
    return [...this.held.values()].reduce((a, b) => a + b, 0)
  }
}

class FakeLocation {
  url = new URL('https://app.test/')
  get href(): string {
    return this.url.href
  }
  get hash(): string {
    return this.url.hash
  }
  get host(): string {
    return this.url.host
  }
  get origin(): string {
    return this.url.origin
  }
  get pathname(): string {
    return this.url.pathname
  }
  get search(): string {
    return this.url.search
  }
}

export class FakePage implements PagePorts {
  readonly window = new FakeTarget()
  readonly document = Object.assign(new FakeTarget(), {
    visibilityState: 'visible' as DocumentVisibilityState,
  })
  readonly connection = Object.assign(new FakeTarget(), { type: 'wifi' })
  readonly copied: string[] = []
  navigator: PagePorts['navigator'] = {
    userAgent:
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0 Safari/537.36',
    clipboard: { writeText: async (text: string) => void this.copied.push(text) },
    connection: this.connection,
  }
  notifications: PagePorts['notifications'] = undefined
  caches: PagePorts['caches'] = undefined
  standalone: PagePorts['standalone'] = undefined
  readonly location = new FakeLocation()
  readonly history = {
    state: null,
    replaceState: (_state: unknown, _unused: string, url?: string | URL | null): void => {
      if (url) this.location.url = new URL(url, this.location.url)
    },
  }
  /** the address bar changes (a link opened in this tab, back/forward): `hashchange` fires */
  goTo(href: string): void {
    this.location.url = new URL(href)
    this.window.fire('hashchange')
  }
}

const DEFAULT_PREFS: DevicePrefs = {
  seedOnMobileData: false,
  hideIp: false,
  acceptIntroductions: true,
  theme: 'system',
}

export function memoryAppStores(): AppStores & {
  /** what the app saved, newest last; a test may push (part of) a choice made earlier */
  saved: Partial<DevicePrefs>[]
  swept: number
  wiped: number
} {
  const saved: Partial<DevicePrefs>[] = []
  const stores = {
    ...createMemoryStores(),
    history: memoryHistoryStore(),
    torrents: createMemoryTorrentPorts(),
    persistent: true,
    filesPersistent: true,
    saved,
    swept: 0,
    prefs: {
      load: (): DevicePrefs => ({ ...DEFAULT_PREFS, ...saved.at(-1) }),
      save: (p: Partial<DevicePrefs>) =>
        void saved.push({ ...DEFAULT_PREFS, ...saved.at(-1), ...p }),
    },
    sweepOrphanPieces: async () => {
      stores.swept++
      return 0
    },
    wiped: 0,
    wipe: async () => {
      stores.wiped++
    },
  }
  return stores
}

/** Every store back to how the app starts (they are module singletons, like in the app). */
/** apps built so far: they share the module-level stores, so the next test stops them first */
const built = new Set<App>()

/** Stops the apps earlier tests built (their glue listens to the shared stores) and resets those. */
export function resetStores(): void {
  for (const app of built) void app.stop()
  built.clear()
  useCalls.setState(useCalls.getInitialState(), true)
  useContacts.setState(useContacts.getInitialState(), true)
  useFinder.setState(useFinder.getInitialState(), true)
  useIdentity.setState(useIdentity.getInitialState(), true)
  usePrefs.setState(usePrefs.getInitialState(), true)
  useThreads.setState(useThreads.getInitialState(), true)
  useTransfers.setState(useTransfers.getInitialState(), true)
  useUi.setState(useUi.getInitialState(), true)
  useDevices.setState(useDevices.getInitialState(), true)
  useMobile.setState(useMobile.getInitialState(), true)
}

export interface Rig {
  app: App
  client: FakeClient
  page: FakePage
  stores: ReturnType<typeof memoryAppStores>
}

type Setup = { identity?: IdentityInfo | undefined; before?: (rig: Omit<Rig, 'app'>) => void }

/** createApp with fakes; `identity: undefined` for a first run. `before` adjusts the fakes. */
export function buildApp(setup: Setup = {}): Rig {
  const client = new FakeClient()
  client.identity = 'identity' in setup ? setup.identity : ME
  const page = new FakePage()
  const stores = memoryAppStores()
  setup.before?.({ client, page, stores })
  const app = createApp({
    stores,
    page,
    createSocket: () => {
      throw new Error('no sockets in unit tests')
    },
    createPeer: () => {
      throw new Error('no peers in unit tests')
    },
    fetch: () => Promise.reject(new Error('no network in unit tests')),
    createClient: (_ports, opts) => {
      client.options = opts
      return client
    },
  })
  built.add(app)
  return { app, client, page, stores }
}

/** buildApp, resolved once the stored profile is loaded. */
export async function startApp(setup: Setup = {}): Promise<Rig> {
  const rig = buildApp(setup)
  await rig.app.ready
  return rig
}
