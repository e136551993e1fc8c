/**
 * `npm run screenshots`: the install sheet's pictures of the app (manifest `screenshots`), taken
 * from the real built app: Alice and Bob chat, Alice's window is photographed narrow (360×740,
 * a phone) and wide (1280×800). Writes public/screenshots/{narrow,wide}.png; run it again when
 * the look changes.
 */
import { mkdir } from 'node:fs/promises'
import { createFinderServer } from '../server/index.ts'
import { launch } from '../bench/browser.ts'
import { connectUsers, contactItem, conversation, user } from '../bench/browser-lib.ts'
// @ts-expect-error -- plain ESM helper shared with the npm scripts
import { buildIfStale } from './lib.mjs'

const OUT = 'public/screenshots'

async function main(): Promise<void> {
  if ((await buildIfStale()) !== 0) throw new Error('vite build failed')
  const server = await createFinderServer({ port: 0, host: '127.0.0.1', log: () => {} })
  const base = `http://127.0.0.1:${server.address().port}`
  const browser = await launch()
  try {
    const alice = await user(browser, base, 'Alice')
    const bob = await user(browser, base, 'Bob')
    await connectUsers(alice, 'Alice', bob, 'Bob')
    const say = async (page: typeof alice, to: string, text: string): Promise<void> => {
      await contactItem(page, to).click()
      const box = conversation(page).getByRole('textbox', { name: 'Message' })
      await box.fill(text)
      await box.press('Enter')
      await conversation(page).getByText(text).first().waitFor()
    }
    await say(alice, 'Bob', 'Hi Bob! The photos from Saturday are coming your way.')
    await say(bob, 'Alice', 'Great, straight from your phone to mine, no cloud in between?')
    await say(alice, 'Bob', 'Exactly: peer to peer. The finder only introduced us.')
    await contactItem(alice, 'Bob').click()
    await conversation(alice).getByText('no cloud in between').waitFor()
    await mkdir(OUT, { recursive: true })
    await alice.setViewportSize({ width: 1280, height: 800 })
    await alice.screenshot({ path: `${OUT}/wide.png` })
    await alice.setViewportSize({ width: 360, height: 740 })
    await alice.screenshot({ path: `${OUT}/narrow.png` })
    console.log(`wrote ${OUT}/narrow.png (360×740) and ${OUT}/wide.png (1280×800)`)
  } finally {
    await browser.close()
    await server.close()
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err)
    process.exit(1)
  },
)
