import { prefsActions } from '../state/prefs.ts'
import { uiActions } from '../state/ui.ts'
import { onClient, type GlueContext } from './context.ts'
import { showError } from './errors.ts'

export interface IntroductionActions {
  /** introduces two contacts to each other; true when both were told */
  introduce(contactId: string, to: string): Promise<boolean>
  /** "Accept introductions": whether contacts may introduce us to others */
  setAcceptIntroductions(on: boolean): void
}

/** Introductions: the notice naming who introduced us, introducing others, the setting. */
export function attachIntroductions(ctx: GlueContext): IntroductionActions {
  const { client, stores } = ctx
  prefsActions.setAcceptIntroductions(stores.prefs.load().acceptIntroductions)
  onClient(ctx, 'contact:introduced', ({ contact, by }) =>
    uiActions.notify(`${by.name} introduced you to ${contact.name}.`),
  )
  return {
    async introduce(contactId, to) {
      const names = new Map(client.contacts().map((c) => [c.contactId, c.name]))
      try {
        await client.introduce(contactId, to)
        uiActions.notify(`Introduced ${names.get(contactId)} and ${names.get(to)} to each other.`)
        return true
      } catch (err) {
        showError(err, 'introducing your contacts')
        return false
      }
    },
    setAcceptIntroductions(on) {
      prefsActions.setAcceptIntroductions(on)
      stores.prefs.save({ acceptIntroductions: on })
      client.setAcceptIntroductions(on)
    },
  }
}
