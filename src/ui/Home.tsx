import { useUi } from '../state/ui.ts'
import { AppPanel } from './AppPanel.tsx'
import { CallPanel } from './CallPanel.tsx'
import { ContactList } from './ContactList.tsx'
import { Conversation } from './Conversation.tsx'
import { IncomingCallDialog } from './IncomingCallDialog.tsx'
import { InvitePanel } from './InvitePanel.tsx'
import { OpenInviteForm } from './OpenInviteForm.tsx'
import { ProfilePanel } from './ProfilePanel.tsx'
import { ShareTargetDialog } from './ShareTargetDialog.tsx'
import { TransfersPanel } from './TransfersPanel.tsx'

/** Signed in: contacts and invites on the side, the conversation in the middle. */
export function Home() {
  // On a phone only one column fits: an open conversation takes the screen.
  const hasSelection = useUi((s) => s.selected !== null)
  return (
    <main className={hasSelection ? 'layout has-selection' : 'layout'}>
      {/* Inviting comes right after the (short, at first empty) contact list: on a 360 px phone
          the Invite button and the paste box are on the first screen. */}
      <div className="sidebar">
        <ContactList />
        <InvitePanel />
        <OpenInviteForm />
        <TransfersPanel />
        <ProfilePanel />
        <AppPanel />
      </div>
      <div className="main-column">
        <CallPanel />
        <Conversation />
      </div>
      <IncomingCallDialog />
      <ShareTargetDialog />
    </main>
  )
}
