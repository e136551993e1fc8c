import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test } from '@playwright/test'
import { closeAll, connectedPair, contactItem, conversation, message, send } from './helpers.ts'
import { expectComplete, expectSavedEqual, fileCard, randomFile, shareWith } from './files.ts'

test.describe.configure({ timeout: 240_000 })

/** `npm run superpeer` as a user runs it, its output collected. */
function superPeer(args: string[]): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'superpeer/main.ts', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()))
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()))
  return { child, output: () => out }
}

test('Alice links a super-peer, keeps a 20 MiB file available and closes her page: Bob downloads it from there, and his message waits for her', async ({
  browser,
  baseURL,
}) => {
  const data = await mkdtemp(join(tmpdir(), 'opw-superpeer-'))
  const { alice, bob } = await connectedPair(browser, baseURL!)
  let sp: ReturnType<typeof superPeer> | undefined
  try {
    await alice.page.getByRole('button', { name: 'Link a device' }).click()
    const box = alice.page.getByRole('textbox', { name: 'Device link' })
    await expect(box).toHaveValue(/#\/d\//)
    sp = superPeer([
      '--link',
      await box.inputValue(),
      '--data',
      data,
      '--name',
      'home server',
      '--origin',
      baseURL!,
      '--bt-port',
      '0',
    ])
    const out = sp.output
    await expect.poll(() => /code (\d{3} \d{3})/.exec(out())?.[1], { timeout: 30_000 }).toBeTruthy()
    const code = /code (\d{3} \d{3})/.exec(out())![1]!
    const devices = alice.page.getByRole('list', { name: 'Devices' })
    await expect(devices).toContainText(code)
    await devices.getByRole('button', { name: 'Approve home server' }).click()
    await expect.poll(out, { timeout: 30_000 }).toMatch(/super-peer of Alice/)
    await expect(devices.getByRole('listitem').filter({ hasText: 'home server' })).toContainText(
      'online',
      { timeout: 30_000 },
    )

    const file = await randomFile('concert.webm', 20 * 1024 * 1024)
    await shareWith(alice.page, 'Bob', file)
    await fileCard(alice.page, file.name)
      .getByRole('button', { name: `Keep available ${file.name}` })
      .click()
    await expect(alice.page.getByText(`keeps ${file.name} available`)).toBeVisible()
    await expect.poll(out, { timeout: 120_000 }).toMatch(`file complete: ${file.name}`)
    await alice.page.close()

    // Alice's browser is gone: Bob's download comes from her super-peer.
    await contactItem(bob.page, 'Alice').click()
    await conversation(bob.page)
      .getByRole('button', { name: `Download ${file.name}` })
      .click()
    await expectComplete(bob.page, file.name)
    await expectSavedEqual(bob.page, file)

    // Bob writes to her: delivered (to the super-peer) before she is back; she sees it after.
    await send(bob.page, 'Alice', 'got the concert, thanks')
    await expect(message(bob.page, 'got the concert, thanks')).toContainText('delivered', {
      timeout: 30_000,
    })
    const back = await alice.context.newPage()
    await back.goto(baseURL!)
    await contactItem(back, 'Bob').click()
    await expect(message(back, 'got the concert, thanks')).toBeVisible({ timeout: 60_000 })
  } finally {
    sp?.child.kill('SIGTERM')
    await closeAll(alice, bob)
    await rm(data, { recursive: true, force: true })
  }
})
