import type { OpenPeerClient } from '../src/openpeer/index.ts'
import { until } from './until.ts'

/**
 * Makes `laptop` (a client with no identity, not started) a second device of `owner`: joined
 * by her device link, then online, with the two devices in touch. Returns its location id.
 * `cleanups` gets what must stop after the test.
 */
export async function joinAsSecondDevice(
  owner: OpenPeerClient,
  laptop: OpenPeerClient,
  opts: { origin: string; cleanups: (() => Promise<void> | void)[]; ms?: number },
): Promise<string> {
  const ms = opts.ms ?? 10_000
  const linker = await owner.linkDevice({ origin: opts.origin })
  opts.cleanups.push(() => linker.stop())
  const pending = new Promise<string>((resolve) => linker.on('pending', (d) => resolve(d.id)))
  const joined = laptop.joinDevice(linker.link, { name: 'Laptop' })
  await linker.approve(await pending)
  const { locationId } = await joined
  const devicesMeet = until(owner, 'device:state', (e) => e.state === 'online', ms)
  laptop.start()
  await until(laptop, 'finder:state', (e) => e.state === 'online', ms)
  await devicesMeet
  return locationId
}
