import { OpenPeerError } from '../errors.ts'
import { jcs } from '../identity/jcs.ts'
import type { SectionA, VerifiedPeerFile } from '../identity/peer-file.ts'
import type { ContactRecord, ContactStore } from '../ports.ts'

/**
 * The contact book in memory, written through to the ContactStore port. Sections B and C only
 * ever move forward (by `updated`): a replayed old card cannot roll back a rotated secret.
 */
export class Contacts {
  private readonly map = new Map<string, ContactRecord>()
  constructor(private readonly store: ContactStore) {}

  async load(): Promise<void> {
    for (const c of await this.store.list()) this.map.set(c.contactId, c)
  }

  get(contactId: string): ContactRecord | undefined {
    return this.map.get(contactId)
  }

  has(contactId: string): boolean {
    return this.map.has(contactId)
  }

  list(): ContactRecord[] {
    return [...this.map.values()].sort((a, b) => a.added - b.added)
  }

  /** Adds or updates from a verified peer file; returns whether it was new or changed. */
  async upsert(
    peer: VerifiedPeerFile,
    extra: { findSecret?: string | undefined; introducedBy?: string | undefined } = {},
  ): Promise<{ record: ContactRecord; added: boolean; changed: boolean }> {
    const old = this.map.get(peer.contactId)
    const newer = <T extends { updated: number }>(
      a: T | undefined,
      b: T | undefined,
    ): T | undefined => (!a ? b : !b ? a : b.updated > a.updated ? b : a)
    const B = newer(old?.file.B, peer.file.B)
    const C = newer(old?.file.C, peer.file.C)
    // A verified mark vouches for the keys that were compared: other keys drop it. Today this
    // cannot happen — the contact id is the hash of A, so other keys are another contact, and
    // every caller passes a VerifiedPeerFile — but the mark must not outlive a future key
    // rotation, or a bug that lets A change, by silently carrying over.
    const verified = old?.verified !== undefined && sameKeys(old.file.A, peer.file.A)
    const record: ContactRecord = {
      contactId: peer.contactId,
      uri: peer.uri,
      file: { A: peer.file.A, ...(B ? { B } : {}), ...(C ? { C } : {}) },
      findSecret: B?.findSecret ?? extra.findSecret ?? old?.findSecret,
      added: old?.added ?? Date.now(),
      // How we first met stays true: a later introduction of a known contact changes nothing.
      ...(old
        ? old.introducedBy
          ? { introducedBy: old.introducedBy }
          : {}
        : extra.introducedBy
          ? { introducedBy: extra.introducedBy }
          : {}),
      ...(verified && old ? { verified: old.verified } : {}),
    }
    const changed =
      !old ||
      old.verified !== record.verified ||
      old.file.B?.sig !== record.file.B?.sig ||
      old.file.C?.sig !== record.file.C?.sig ||
      old.findSecret !== record.findSecret
    if (changed) await this.save(record)
    return { record: this.map.get(record.contactId) ?? record, added: !old, changed }
  }

  /** Marks a contact verified (now) or not; ERR_NOT_FOUND for someone not in the book. */
  async setVerified(contactId: string, on: boolean, now = Date.now()): Promise<ContactRecord> {
    const old = this.map.get(contactId)
    if (!old) throw new OpenPeerError('ERR_NOT_FOUND', 'no such contact')
    if (on === (old.verified !== undefined)) return old
    const record: ContactRecord = { ...old, verified: on ? now : undefined }
    // Stored before shown: a mark the storage refused must not look given.
    try {
      await this.store.put(record)
    } catch (cause) {
      throw new OpenPeerError('ERR_STORAGE', 'the contact could not be saved', { cause })
    }
    this.map.set(contactId, record)
    return record
  }

  private async save(record: ContactRecord): Promise<void> {
    // In memory at once (before any await), so a session opening right now sees the name.
    this.map.set(record.contactId, record)
    try {
      await this.store.put(record)
    } catch (cause) {
      throw new OpenPeerError('ERR_STORAGE', 'the contact could not be saved', { cause })
    }
  }
}

/** Whether two sections A hold the same keys (signing and sealing). */
function sameKeys(a: SectionA, b: SectionA): boolean {
  return jcs(a.signKey) === jcs(b.signKey) && jcs(a.boxKey) === jcs(b.boxKey)
}

export function displayNameOf(record: ContactRecord): string {
  return record.file.C?.name ?? `Contact ${record.contactId.slice(0, 8)}`
}
