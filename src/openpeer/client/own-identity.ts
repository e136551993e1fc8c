import { OpenPeerError } from '../errors.ts'
import { formatInvite } from '../identity/invite.ts'
import { encodeLinkCard } from '../identity/link-card.ts'
import type { KeyStore, StoredIdentity } from '../ports.ts'
import type { LocalIdentity } from '../session/identify.ts'
import * as identities from './identity.ts'
import type { IdentityInfo } from './types.ts'

/**
 * This device's identity as the client holds it: the stored keys and peer file (none before
 * `load()` finds one, `createIdentity()` or `joinDevice()`), and what the app is shown of it.
 */
export class OwnIdentity {
  stored: StoredIdentity | undefined
  info: IdentityInfo | undefined

  constructor(private readonly keys: KeyStore) {}

  require(): StoredIdentity {
    if (!this.stored) throw new OpenPeerError('ERR_NOT_FOUND', 'no identity yet: create one first')
    return this.stored
  }

  /** the identity sessions speak as */
  local(): LocalIdentity {
    return identities.localOf(this.require())
  }

  async set(stored: StoredIdentity): Promise<void> {
    this.stored = stored
    this.info = await identities.infoOf(stored)
  }

  /** the identity was deleted here: the client has none any more */
  forget(): void {
    this.stored = undefined
    this.info = undefined
  }

  async create(opts: {
    name: string
    domain: string
    locationLabel: string
  }): Promise<IdentityInfo> {
    if (this.stored) throw new OpenPeerError('ERR_CONFLICT', 'an identity exists already')
    await this.set(await identities.createIdentity(this.keys, opts))
    return this.info as IdentityInfo
  }

  /** Our invite link at `origin`: our home, contact id, find secret and section A. */
  inviteLink(origin: string): string {
    const me = this.require()
    return formatInvite(origin, {
      domain: me.file.A.domain,
      contactId: me.contactId,
      findSecret: me.file.B.findSecret,
      card: encodeLinkCard(me.file.A),
    })
  }

  /** A new find secret, saved and held (identity.ts). */
  async rotateFindSecret(): Promise<StoredIdentity> {
    const next = await identities.rotateFindSecret(this.keys, this.require())
    await this.set(next)
    return next
  }
}
