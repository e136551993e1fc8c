import { SECURITY_CODES } from '../openpeer/index.ts'
import type { AppErrorCode } from '../state/ui.ts'

/**
 * The one place where error codes become words (ARCHITECTURE rule 4). Worded for the person in
 * front of the screen; the library's own sentence is shown beneath as detail.
 */
const TEXT: Partial<Record<AppErrorCode, string>> = {
  ERR_INVITE: 'This is not a valid invite link. Ask for a new one and paste it whole.',
  ERR_OWN_INVITE: 'This is your own invite link. Send it to someone else to connect.',
  ERR_NOT_FOUND: 'Nobody with this invite link is known at that finder.',
  ERR_FINDER_UNREACHABLE: 'The finder in this invite link cannot be reached right now.',
  ERR_FIND_DENIED: 'This invite link was reset by its owner and no longer works.',
  ERR_UNAVAILABLE:
    'They are not online right now. They are in your contacts and you will be connected when they come back.',
  ERR_TIMEOUT: 'They did not answer in time. Try again in a moment.',
  ERR_NO_PATH:
    'No connection could be made from this network, not even through the relay. They are in your contacts; it will be tried again.',
  ERR_ABORTED: 'Cancelled.',
  ERR_MEDIA_DENIED:
    'The microphone or camera was blocked. Allow them for this site in the browser, then call again.',
  ERR_NO_DEVICE: 'No microphone was found. Plug one in (or allow it) and try again.',
  ERR_NO_MEDIA_PATH:
    'This contact is reached through the relay, which carries messages and files but not calls.',
  ERR_STORAGE: 'This browser could not save your data (storage full or blocked).',
  ERR_BAD_MESSAGE: 'That was not accepted.',
  ERR_FORBIDDEN: 'That is not allowed.',
  ERR_TOO_LARGE: 'That is too long.',
  ERR_SESSION_CLOSED: 'The connection closed. It will be retried.',
  ERR_RATE_LIMITED: 'Too many attempts. Wait a little and try again.',
  ERR_VERSION: 'The other side runs an incompatible version of Open Peer.',
  ERR_CLIPBOARD: 'Copying was blocked by the browser. Select the link and copy it by hand.',
  ERR_CONFLICT: 'A profile exists already in this browser.',
  ERR_EMPTY_FILE: 'This file is empty: there is nothing to share.',
  ERR_DEVICE_LINK:
    'This is not a device link. Make one under Profile → "Link a device" and paste it whole.',
  ERR_LINK_EXPIRED: 'This device link has expired (they last 10 minutes). Make a new one.',
  ERR_LINK_USED: 'This device link was used already: each links one device. Make a new one.',
  ERR_LINK_DECLINED: 'Your other device declined this one. Make a new link if that was a mistake.',
  ERR_KEYS_LOCKED:
    'This profile was created before device linking and cannot be moved to another device.',
  ERR_DEVICE_OFFLINE:
    'Nobody answers this device link: the device that made it is offline or closed the link. Make a new one.',
  ERR_WEB_SEED:
    'That is not a web seed address: give an http:// or https:// address of the same file, without a password.',
  ERR_APP_LOAD:
    'Part of the app could not be downloaded: you may be offline, or a newer version was just published. Check your connection and reload the page.',
  ERR_BAD_PIECE:
    'A contact sent damaged pieces of this file. They were thrown away and that contact is no longer asked for it.',
}

const SECURITY =
  'A security check failed: the other side sent data that could not be verified. Nothing was accepted.'

export function errorText(code: AppErrorCode): string {
  const text = TEXT[code]
  if (text) return text
  // The library's own list: a code it adds later is worded as a security failure at once.
  if ((SECURITY_CODES as ReadonlySet<string>).has(code)) return SECURITY
  return 'Something went wrong.'
}
