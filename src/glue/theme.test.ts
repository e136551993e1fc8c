import { beforeEach, describe, expect, it } from 'vitest'
import { usePrefs } from '../state/prefs.ts'
import { resetStores, startApp } from './test-rig.ts'

beforeEach(resetStores)

describe('theme glue', () => {
  it('follows the system until the person chooses; the choice is saved and read at start', async () => {
    const first = await startApp()
    expect(usePrefs.getState().theme).toBe('system')

    first.app.actions.setTheme('dark')
    expect(usePrefs.getState().theme).toBe('dark')
    expect(first.stores.saved.at(-1)).toMatchObject({ theme: 'dark' })

    resetStores()
    await startApp({ before: ({ stores }) => stores.saved.push({ theme: 'light' }) })
    expect(usePrefs.getState().theme).toBe('light')
  })
})
