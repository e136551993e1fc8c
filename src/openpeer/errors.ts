/**
 * Every failure the Open Peer client or finder reports carries a stable `code` (for programs and
 * the UI's wording) and the Open Peer wire `status` it maps to (400 … 480, PROTOCOL §4).
 * The list with meanings lives in docs/errors.md; keep both in step.
 */
export const ERROR_STATUS = {
  ERR_BAD_MESSAGE: 400,
  ERR_URI: 400,
  ERR_INVITE: 400,
  ERR_EMPTY_FILE: 400,
  ERR_BAD_PIECE: 400,
  ERR_DEVICE_LINK: 400,
  ERR_WEB_SEED: 400,
  ERR_SIGNATURE: 401,
  ERR_CONTACT_MISMATCH: 401,
  ERR_REPLAY: 401,
  ERR_EXPIRED: 401,
  ERR_SEAL: 401,
  ERR_FINGERPRINT: 401,
  ERR_NOT_IDENTIFIED: 401,
  ERR_FIND_DENIED: 403,
  ERR_FORBIDDEN: 403,
  ERR_MEDIA_DENIED: 403,
  ERR_TOKEN: 403,
  ERR_LINK_EXPIRED: 403,
  ERR_LINK_USED: 403,
  ERR_LINK_DECLINED: 403,
  ERR_KEYS_LOCKED: 403,
  ERR_NOT_FOUND: 404,
  ERR_NO_DEVICE: 404,
  ERR_CONFLICT: 409,
  ERR_TOO_LARGE: 413,
  ERR_VERSION: 426,
  ERR_RATE_LIMITED: 429,
  ERR_UNAVAILABLE: 480,
  ERR_FINDER_UNREACHABLE: 480,
  ERR_NO_PATH: 480,
  ERR_NO_MEDIA_PATH: 480,
  ERR_TIMEOUT: 480,
  ERR_SESSION_CLOSED: 480,
  ERR_ABORTED: 499,
  ERR_STORAGE: 507,
  ERR_INTERNAL: 500,
} as const

export type ErrorCode = keyof typeof ERROR_STATUS

/** Codes whose cause is a failed security check: callers treat these as an attack, not a hiccup. */
export const SECURITY_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'ERR_SIGNATURE',
  'ERR_CONTACT_MISMATCH',
  'ERR_REPLAY',
  'ERR_EXPIRED',
  'ERR_SEAL',
  'ERR_FINGERPRINT',
  'ERR_NOT_IDENTIFIED',
  'ERR_FIND_DENIED',
])

/** Wire status → the code a receiver reports when the other side answers with only a status. */
const STATUS_CODE: Record<number, ErrorCode> = {
  400: 'ERR_BAD_MESSAGE',
  401: 'ERR_SIGNATURE',
  403: 'ERR_FIND_DENIED',
  404: 'ERR_NOT_FOUND',
  409: 'ERR_CONFLICT',
  413: 'ERR_TOO_LARGE',
  426: 'ERR_VERSION',
  429: 'ERR_RATE_LIMITED',
  480: 'ERR_UNAVAILABLE',
}

export class OpenPeerError extends Error {
  readonly code: ErrorCode
  readonly status: number
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'OpenPeerError'
    this.code = code
    this.status = ERROR_STATUS[code]
  }

  get security(): boolean {
    return SECURITY_CODES.has(this.code)
  }

  /** Rebuilds an error from a wire `error: { code, reason }` (code = status number). */
  static fromWire(error: { code: number; reason: string }): OpenPeerError {
    const byReason = /^(ERR_[A-Z_]+)\b/.exec(error.reason)?.[1]
    const code =
      byReason && byReason in ERROR_STATUS
        ? (byReason as ErrorCode)
        : (STATUS_CODE[error.code] ?? 'ERR_INTERNAL')
    return new OpenPeerError(code, error.reason)
  }

  toWire(): { code: number; reason: string } {
    return { code: this.status, reason: `${this.code}: ${this.message}` }
  }
}

export function isOpenPeerError(e: unknown, code?: ErrorCode): e is OpenPeerError {
  return e instanceof OpenPeerError && (code === undefined || e.code === code)
}

/** Turns an AbortSignal's reason into our coded error so callers match on one type. */
export function abortError(signal: AbortSignal): OpenPeerError {
  const reason: unknown = signal.reason
  if (reason instanceof OpenPeerError) return reason
  if (reason instanceof Error && reason.name === 'TimeoutError')
    return new OpenPeerError('ERR_TIMEOUT', 'timed out', { cause: reason })
  return new OpenPeerError('ERR_ABORTED', 'aborted', { cause: reason })
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortError(signal)
}

/** Keeps a coded error as it is; wraps anything else (a bug, a library's throw) as `code`. */
export function asOpenPeerError(
  err: unknown,
  message: string,
  code: ErrorCode = 'ERR_INTERNAL',
): OpenPeerError {
  return err instanceof OpenPeerError ? err : new OpenPeerError(code, message, { cause: err })
}
