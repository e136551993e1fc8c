import { trace } from '../openpeer/index.ts'
import { contactsActions } from '../state/contacts.ts'
import { finderActions } from '../state/finder.ts'
import { onClient, type GlueContext } from './context.ts'

/** Who can be reached: the home finder's state and each contact's, into their stores. */
export function attachPresence(ctx: GlueContext): void {
  onClient(ctx, 'finder:state', ({ domain, state }) => finderActions.set(domain, state))
  onClient(ctx, 'contact:added', contactsActions.upsert)
  onClient(ctx, 'contact:updated', contactsActions.upsert)
  onClient(ctx, 'contact:state', (view) => {
    contactsActions.upsert(view)
    if (view.state === 'connected') trace('store:connected')
  })
}
