import { describe, expect, it } from 'vitest'
import { SECURITY_CODES } from '../openpeer/index.ts'
import { errorText } from './errorText.ts'

describe('error words', () => {
  it("every code in the library's security list reads as a failed check (or its own words)", () => {
    const security = errorText('ERR_SIGNATURE')
    expect(security).toMatch(/^A security check failed/)
    for (const code of SECURITY_CODES) {
      const text = errorText(code)
      // ERR_FIND_DENIED has words of its own: for a person it is a reset invite link.
      expect(text === security || code === 'ERR_FIND_DENIED').toBe(true)
    }
    expect(errorText('ERR_FIND_DENIED')).toBe(
      'This invite link was reset by its owner and no longer works.',
    )
  })

  it('a code without words is "Something went wrong."', () => {
    expect(errorText('ERR_INTERNAL')).toBe('Something went wrong.')
  })

  it('device linking failures say what to do', () => {
    expect(errorText('ERR_KEYS_LOCKED')).toMatch(/created before device linking/)
    expect(errorText('ERR_LINK_EXPIRED')).toMatch(/expired/)
    expect(errorText('ERR_LINK_USED')).toMatch(/used already/)
  })

  it('an app that could not be downloaded says to reload', () => {
    expect(errorText('ERR_APP_LOAD')).toMatch(/offline.*reload the page\.$/)
  })
})
