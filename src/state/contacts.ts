import { create } from 'zustand'
import type { ContactView } from '../openpeer/index.ts'

interface ContactsState {
  byId: Record<string, ContactView>
  /** contact ids, oldest first: the list does not jump around as presence changes */
  order: string[]
}

export const useContacts = create<ContactsState>()(() => ({ byId: {}, order: [] }))

export const contactsActions = {
  setAll(views: ContactView[]): void {
    const sorted = [...views].sort((a, b) => a.added - b.added)
    useContacts.setState({
      byId: Object.fromEntries(sorted.map((v) => [v.contactId, v])),
      order: sorted.map((v) => v.contactId),
    })
  },
  upsert(view: ContactView): void {
    useContacts.setState((s) => ({
      byId: { ...s.byId, [view.contactId]: view },
      order: s.order.includes(view.contactId) ? s.order : [...s.order, view.contactId],
    }))
  },
}

export const contactById =
  (id: string | null) =>
  (s: ContactsState): ContactView | undefined =>
    id ? s.byId[id] : undefined
