/**
 * Limits the UI checks before anything is sent. A leaf module (no imports): the app's first
 * chunk takes these without pulling in the rest of the library (bench:first-paint).
 */

/** the longest display name, in characters (code points) */
export const NAME_MAX = 64
/** the longest message body, in UTF-16 code units */
export const BODY_MAX = 16_000
